/**
 * The built-in vendor sandbox: the three vendor fakes on 127.0.0.1, seeded with believable
 * state, and the example config of manifest/ pointed at them. `domainops start` runs it when
 * there is no config file, so a new user sees the whole pipeline with no accounts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { type F5Fake, startF5Fake } from '../../adapters/f5xc/sandbox.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';

/** The example config the sandbox serves. */
export const EXAMPLE_CONFIG = fileURLToPath(
  new URL('../../manifest/domainops.example.yaml', import.meta.url),
);

/** Where the playground keeps its requests, relative to the working directory. */
export const PLAYGROUND_STORE = './data/playground.db';

/** Env names of the tokens the sandbox issues (they exist only in the env passed to parseConfig). */
const TOKEN_ENV = {
  webex: 'DOMAINOPS_SANDBOX_WEBEX_TOKEN',
  f5xc: 'DOMAINOPS_SANDBOX_F5XC_TOKEN',
  yandex: 'DOMAINOPS_SANDBOX_YC_TOKEN',
} as const;

/** Share of vendor requests answered 429 while rate limiting is on. */
export const RATE_LIMIT_SHARE = 1 / 3;

/** The F5 user the sandbox API token belongs to: a domain owner, so it may unassign others. */
export const F5_TOKEN_USER = 'domainops-bot@corp.com';

export interface SandboxOptions {
  /** The environment: `PORT` overrides the port, `DOMAINOPS_SANDBOX_RATELIMIT=on` starts with 429s on. */
  env?: NodeJS.ProcessEnv;
  /** Overrides `server.host` of the example config (127.0.0.1). */
  host?: string;
  /** Overrides the store path (tests use a temporary folder). Default `./data/playground.db`. */
  store?: string;
  /** Overrides the config file the sandbox serves (default: the example in manifest/). */
  configFile?: string;
}

export interface Sandbox {
  /** The example config with every target aimed at the fakes. */
  config: Config;
  webex: WebexFake;
  f5: F5Fake;
  yandex: YandexFake;
  /** Switches 429 answers (Retry-After: 1) on or off for a share of requests to every fake. */
  ratelimit(on: boolean): void;
  close(): Promise<void>;
}

const WEBEX_SEED = { verified: ['abc.com', 'corp.com', 'example.org'], claimed: ['abc.com', 'corp.com'] };
const F5_USERS = ['alice@corp.com', 'bob@corp.com', 'carol@corp.com', 'dave@corp.com', 'hello@example.com'];
const F5_OWNERS = [F5_TOKEN_USER, 'dave@corp.com', 'hello@example.com'];

/** Starts the fakes, seeds them and builds the config that points at them. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const file = options.configFile ?? EXAMPLE_CONFIG;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const targets = (doc.toJS() as { targets?: Record<string, Record<string, unknown>> } | null)?.targets ?? {};

  const webexOrgs: Record<string, typeof WEBEX_SEED> = {};
  for (const t of Object.values(targets)) {
    if (t.vendor === 'webex' && typeof t.orgId === 'string') webexOrgs[t.orgId] = WEBEX_SEED;
  }
  const f5Token = randomBytes(24).toString('base64url');
  const [webex, f5, yandex] = await Promise.all([
    startWebexFake({ orgs: webexOrgs }),
    startF5Fake({ users: F5_USERS, owners: F5_OWNERS, apiTokens: { [f5Token]: F5_TOKEN_USER } }),
    startYandexFake(),
  ]);
  const close = async (): Promise<void> => {
    await Promise.allSettled([webex.close(), f5.close(), yandex.close()]);
  };

  try {
    yandex.state.pollsUntilDone = 1;
    const tokens: Record<string, string> = {
      [TOKEN_ENV.webex]: webex.issueAccessToken(),
      [TOKEN_ENV.f5xc]: f5Token,
      [TOKEN_ENV.yandex]: yandex.issueIamToken(),
    };
    for (const [name, t] of Object.entries(targets)) {
      const at = (key: string, value: unknown): void => doc.setIn(['targets', name, key], value);
      if (t.vendor === 'webex') {
        at('apiUrl', webex.apiUrl);
        at('auth', { accessToken: `env:${TOKEN_ENV.webex}` });
      } else if (t.vendor === 'f5xc') {
        at('tenantUrl', f5.url);
        at('auth', { apiToken: `env:${TOKEN_ENV.f5xc}` });
      } else if (t.vendor === 'yandex') {
        at('apiUrl', yandex.apiUrl);
        at('operationUrl', yandex.operationUrl);
        at('operationPoll', { interval: '200ms', maxInterval: '1s', timeout: '30s' });
        at('auth', { iamToken: `env:${TOKEN_ENV.yandex}` });
        seedYandex(yandex, t);
      }
    }
    doc.set('store', resolve(options.store ?? PLAYGROUND_STORE));
    // The playground is the only chat platform of the sandbox.
    doc.delete('chat');
    if (options.host !== undefined) doc.setIn(['server', 'host'], options.host);
    const config = parseConfig(String(doc), file, { ...env, ...tokens });

    const ratelimit = (on: boolean): void => {
      const limit = on ? { share: RATE_LIMIT_SHARE, retryAfter: '1' } : undefined;
      for (const fake of [webex, f5, yandex]) fake.rateLimit(limit);
    };
    if (/^(1|on|true|yes)$/i.test(env.DOMAINOPS_SANDBOX_RATELIMIT ?? '')) ratelimit(true);
    return { config, webex, f5, yandex, ratelimit, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A Yandex federation or userpool as an admin would find it: corp.ru waiting for its DNS TXT
 * record, sso.corp.ru whose record is published (validate succeeds), abc.com already VALID.
 */
function seedYandex(yandex: YandexFake, target: Record<string, unknown>): void {
  const scope =
    typeof target.federationId === 'string'
      ? { kind: 'federation' as const, id: target.federationId }
      : typeof target.userpoolId === 'string'
        ? { kind: 'userpool' as const, id: target.userpoolId }
        : undefined;
  if (!scope) return;
  yandex.addDomain(scope, 'corp.ru');
  yandex.addDomain(scope, 'sso.corp.ru');
  yandex.state.published.add('sso.corp.ru');
  const valid = yandex.addDomain(scope, 'abc.com');
  const at = new Date(Date.now() - 30 * 86_400_000).toISOString();
  valid.status = 'VALID';
  valid.createdAt = at;
  valid.validatedAt = at;
  for (const c of valid.challenges) Object.assign(c, { status: 'VALID', createdAt: at, updatedAt: at });
}
