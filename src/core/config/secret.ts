import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '../errors.ts';
import { registerSecret } from '../scrub.ts';

const REDACTED = '[REDACTED]';

/**
 * A reference to a secret (`env:NAME` or `file:PATH`). The value is read when it is
 * first needed and never appears in `String()`, JSON, `util.inspect` or logs. Reading it
 * registers it with the process-wide secret scrubber (src/core/scrub.ts), so a vendor that
 * echoes it back has it replaced before the echo is shown, stored or logged.
 */
export class Secret {
  readonly ref: string;
  /** Where the reference stands in the config, e.g. `targets.prod.auth.accessToken`. */
  readonly path: string;
  readonly #baseDir: string;
  readonly #env: NodeJS.ProcessEnv;
  #value: string | undefined;

  constructor(ref: string, path: string, baseDir: string, env: NodeJS.ProcessEnv = process.env) {
    this.ref = ref;
    this.path = path;
    this.#baseDir = baseDir;
    this.#env = env;
  }

  /** Where the value comes from, safe to show (`env VENDOR_TOKEN`, `file ./sa-key.json`). */
  get source(): string {
    return this.ref.startsWith('env:') ? `env ${this.ref.slice(4)}` : `file ${this.ref.slice(5)}`;
  }

  /** The absolute path of a `file:` reference. */
  get filePath(): string | undefined {
    return this.ref.startsWith('file:') ? resolve(this.#baseDir, this.ref.slice(5)) : undefined;
  }

  /** Reads the value; throws a ConfigError naming the field and the source, never a value. */
  reveal(): string {
    if (this.#value !== undefined) return this.#value;
    let value: string;
    if (this.ref.startsWith('env:')) {
      const name = this.ref.slice(4);
      const found = this.#env[name];
      if (found === undefined || found === '') {
        throw new ConfigError(
          [{ path: this.path, message: `environment variable ${name} is not set` }],
          `export ${name} before starting domainops`,
        );
      }
      value = found;
    } else {
      const file = this.filePath!;
      try {
        value = readFileSync(file, 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigError([{ path: this.path, message: `cannot read ${file} (${reason})` }]);
      }
      // A token file usually ends with a newline; a key file is used as is.
      value = value.replace(/\r?\n$/, '');
      if (value === '') throw new ConfigError([{ path: this.path, message: `${file} is empty` }]);
    }
    registerSecret(value);
    this.#value = value;
    return value;
  }

  /** True when `reveal()` would succeed. */
  resolves(): boolean {
    try {
      this.reveal();
      return true;
    } catch {
      return false;
    }
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.ref})`;
  }
}

/** `env:NAME` with a valid variable name, or `file:` with a non-empty path. */
export const SECRET_REF = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;
