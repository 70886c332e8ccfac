/**
 * The secret scrubber: every secret value this process knows, and the shapes credentials take,
 * replaced with `[REDACTED]` in anything a vendor sent back before it reaches a card, a JSON
 * document, the store, the audit trail or a log.
 *
 * Values register themselves when they are revealed: configured secrets in `Secret.reveal()`
 * (src/core/config/secret.ts), tokens obtained at run time (access tokens from a refresh, IAM
 * tokens and the JWTs exchanged for them) by the auth provider that obtained them, before
 * anything else sees them. The HTTP layer (adapters/http.ts), VendorError and the logger apply
 * it; this module has no imports so that any layer may use it.
 */

export const SCRUBBED = '[REDACTED]';

/** Shorter values are not registered: scrubbing every `a` or `123` would garble all text. */
export const MIN_SECRET_LENGTH = 4;

/** Tokens obtained at run time kept for scrubbing; the least recently used beyond this are forgotten. */
const MAX_TRANSIENT = 512;

/** The body of a PEM block: base64, header lines (`Proc-Type: 4,ENCRYPTED`), real or JSON-escaped newlines. */
const PEM_BODY = String.raw`(?:\\+[nrt]|[A-Za-z0-9+/=\s:,-])`;
/**
 * `-----BEGIN …-----` up to its `-----END …-----`; a block cut short (a truncated message)
 * ends where the PEM characters end, so a JSON text around it stays JSON.
 */
const PEM_BLOCK = new RegExp(
  `-----BEGIN [A-Z0-9 ]{1,64}-----${PEM_BODY}*?(?:-----END [A-Z0-9 ]{1,64}-----|(?!${PEM_BODY}))`,
  'g',
);
/** `Bearer <token>`, `APIToken <token>`, `OAuth <token>`, `Basic <credentials>` (RFC 9110 token68). */
const AUTH_SCHEME = /\b(Bearer|APIToken|OAuth|Basic)(\s+)([A-Za-z0-9\-._~+/]+=*)/gi;
/** Chat bot, user, refresh and app-level tokens (`xoxb-…`, `xapp-…`). */
const CHAT_TOKEN = /\b(?:xox[abpres]|xapp)-[A-Za-z0-9-]{6,}/g;
/** A JWT (`eyJ…` header and claims, signature): a signed assertion is a credential while it lives. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** Cloud IAM tokens of the `t1.<base64url>.<base64url>` shape. */
const IAM_TOKEN = /\bt1\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g;
/** Credential members of a JSON text: `"client_secret": "…"` (the value may contain escapes). */
const JSON_CREDENTIAL =
  /("(?:access_token|refresh_token|client_secret|id_token|iamToken|iam_token|private_key|privateKey|password|passphrase|jwt)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/** Credential fields of a form-encoded text: `client_secret=…&`. */
const FORM_CREDENTIAL =
  /\b(access_token|refresh_token|client_secret|client_assertion|assertion|id_token|password|jwt)=[^&\s"'<>]+/g;

/** A word, not a credential: `Bearer authentication`, `OAuth Token`, `OAuth access_token`. */
function isPlainWord(candidate: string): boolean {
  return candidate.length < 8 || /^[A-Za-z][a-z]*(?:[_-][a-z]+)*$/.test(candidate);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The base64 lines of the private key blocks in a text (real or JSON-escaped newlines). */
function privateKeyLines(text: string): string[] {
  const out: string[] = [];
  const blocks = text.match(
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
  );
  for (const block of blocks ?? []) {
    for (const line of block.split(/\\r\\n|\\n|\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 16 && /^[A-Za-z0-9+/=]+$/.test(trimmed)) out.push(trimmed);
    }
  }
  return out;
}

/** The forms a value may take in a vendor's answer: as is, JSON-escaped, URL- and form-encoded. */
function variantsOf(value: string): string[] {
  const forms = new Set<string>([value, value.trim()]);
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  for (const line of privateKeyLines(value)) forms.add(line);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

export interface RegisterOptions {
  /**
   * A token obtained at run time (renewed ones pile up): the least recently registered beyond
   * a few hundred are forgotten. Register it again on use to keep it.
   */
  transient?: boolean;
}

/** A set of secret values and the function that removes them, and credential shapes, from text. */
export class SecretScrubber {
  readonly #permanent = new Set<string>();
  /** Insertion order is recency: re-registering moves a value to the end. */
  readonly #transient = new Map<string, string[]>();
  #pattern: RegExp | undefined;
  #dirty = false;

  /** Adds a secret value (and its encodings); values shorter than MIN_SECRET_LENGTH are ignored. */
  register(value: string | undefined, options: RegisterOptions = {}): void {
    if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return;
    if (options.transient) {
      if (this.#permanent.has(value)) return;
      const known = this.#transient.get(value);
      this.#transient.delete(value);
      this.#transient.set(value, known ?? variantsOf(value));
      if (known) return;
      while (this.#transient.size > MAX_TRANSIENT) {
        const oldest = this.#transient.keys().next().value as string;
        this.#transient.delete(oldest);
      }
      this.#dirty = true;
      return;
    }
    const before = this.#permanent.size;
    for (const form of variantsOf(value)) this.#permanent.add(form);
    if (this.#permanent.size !== before) this.#dirty = true;
  }

  /** How many values (with their encodings) are known; for tests. */
  get size(): number {
    let n = this.#permanent.size;
    for (const forms of this.#transient.values()) n += forms.length;
    return n;
  }

  #values(): RegExp | undefined {
    if (this.#dirty || this.#pattern === undefined) {
      const all = new Set(this.#permanent);
      for (const forms of this.#transient.values()) for (const form of forms) all.add(form);
      // Longest first: a secret that contains another is replaced whole.
      const sorted = [...all].sort((a, b) => b.length - a.length);
      this.#pattern = sorted.length === 0 ? undefined : new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
      this.#dirty = false;
    }
    return this.#pattern;
  }

  /** The text with every known secret value and every credential shape replaced by `[REDACTED]`. */
  scrub(text: string): string {
    if (text === '') return text;
    const known = this.#values();
    let out = known === undefined ? text : text.replace(known, SCRUBBED);
    out = out.replace(PEM_BLOCK, SCRUBBED);
    out = out.replace(AUTH_SCHEME, (whole, scheme: string, space: string, credential: string) =>
      isPlainWord(credential) ? whole : `${scheme}${space}${SCRUBBED}`,
    );
    out = out.replace(CHAT_TOKEN, SCRUBBED);
    out = out.replace(JWT, SCRUBBED);
    out = out.replace(IAM_TOKEN, SCRUBBED);
    out = out.replace(JSON_CREDENTIAL, `$1"${SCRUBBED}"`);
    out = out.replace(FORM_CREDENTIAL, `$1=${SCRUBBED}`);
    return out;
  }

  /** `scrub` for an optional text. */
  scrubOptional(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.scrub(text);
  }

  /**
   * A copy of a JSON-like value with every string (member names included) scrubbed; other
   * values are kept as they are.
   */
  scrubDeep<T>(value: T): T {
    return this.#deep(value, 0) as T;
  }

  #deep(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 64 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((v) => this.#deep(v, depth + 1));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.scrub(k)] = this.#deep(v, depth + 1);
    return out;
  }
}

/** The process-wide scrubber: secrets are process-wide too (environment variables, files). */
export const secretScrubber = new SecretScrubber();

/** Registers a secret value with the process-wide scrubber. */
export function registerSecret(value: string | undefined, options: RegisterOptions = {}): void {
  secretScrubber.register(value, options);
}

/** Scrubs a text with the process-wide scrubber. */
export function scrub(text: string): string {
  return secretScrubber.scrub(text);
}

/** Scrubs every string of a JSON-like value with the process-wide scrubber. */
export function scrubDeep<T>(value: T): T {
  return secretScrubber.scrubDeep(value);
}
