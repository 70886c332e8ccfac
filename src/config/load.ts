import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { Secret } from '../core/config/secret.ts';
import type { Approval, Config, PolicyRule } from '../core/config/types.ts';
import { ConfigError } from '../core/errors.ts';
import { type NotifyPlatform, notifyIssues } from '../core/policy/notify.ts';
import type { TargetBase } from '../core/ports.ts';
import { EMAIL_PATTERN } from '../core/vocabulary.ts';
import { type Composition, modules as defaultModules } from '../modules.ts';
import { createConfigSchema, type RawConfig } from './schema.ts';
import { buildStoreSetting } from './store.ts';

type Issue = { path: string; message: string };

/** `targets.webex-prod.auth.accessToken`, `policy.rules[1].approval`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Where the config comes from: --config, then $DOMAINOPS_CONFIG, then ./domainops.yaml. */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  // An empty variable counts as unset (resolve('') would name the current folder).
  return resolve(explicit ?? (env.DOMAINOPS_CONFIG || undefined) ?? 'domainops.yaml');
}

/** Reads, parses and validates a config file. Throws ConfigError naming each bad field. */
export function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  modules: Composition = defaultModules,
): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const named = Boolean(env.DOMAINOPS_CONFIG) && resolve(env.DOMAINOPS_CONFIG!) === resolve(file);
    if (code === 'ENOENT' && named) {
      // In the container image DOMAINOPS_CONFIG names /config/domainops.yaml: no file there means
      // no config was mounted. One line that says what to do.
      throw new ConfigError([
        {
          path: '',
          message: `no config at ${file} (named by DOMAINOPS_CONFIG): mount yours there, e.g. docker run -v "$PWD/domainops.yaml:${file}:ro" … (README, "Docker")`,
        },
      ]);
    }
    throw new ConfigError(
      [{ path: '', message: `cannot read ${file}${code ? ` (${code})` : ''}` }],
      code === 'ENOENT'
        ? 'create domainops.yaml (see manifest/domainops.example.yaml) or pass --config <path>'
        : undefined,
    );
  }
  return parseConfig(text, file, env, modules);
}

/** Validates config text; `file` is used for messages and to resolve relative paths. */
export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  modules: Composition = defaultModules,
): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: '',
        message: `YAML syntax error at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = createConfigSchema(modules, modules.grammar.actions).safeParse(data);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error));
  return build(parsed.data, resolve(file), env, modules);
}

/**
 * A rule's domain glob as subjects are compared: lower case, no trailing dot, each label in
 * punycode (commands normalise IDN domains to punycode, so a glob written in Unicode would
 * otherwise never match). Undefined when it is not a domain with `*` wildcards: such a glob
 * could never match a command's domain.
 */
function domainGlob(glob: string): string | undefined {
  const labels = glob.trim().toLowerCase().replace(/\.$/, '').split('.');
  const out: string[] = [];
  for (const label of labels) {
    // The ASCII characters first: WHATWG host parsing would drop what follows a `/` or `?`.
    if (/[^a-z0-9*-]/.test(label.replace(/[^\p{ASCII}]/gu, ''))) return undefined;
    const ascii = /^[\p{ASCII}]*$/u.test(label) ? label : label.includes('*') ? '' : domainToASCII(label);
    if (!/^[a-z0-9*-]+$/.test(ascii)) return undefined;
    out.push(ascii);
  }
  return out.join('.');
}

function build(raw: RawConfig, source: string, env: NodeJS.ProcessEnv, modules: Composition): Config {
  const baseDir = dirname(source);
  const secrets: Secret[] = [];
  const secret = (ref: string, path: string): Secret => {
    const s = new Secret(ref, path, baseDir, env);
    secrets.push(s);
    return s;
  };
  const issues: Issue[] = [];

  const targets: Record<string, TargetBase> = {};
  for (const [name, t] of Object.entries(raw.targets)) {
    const module = modules.vendors.find((m) => m.vendor === t.vendor)!;
    targets[name] = module.buildTarget(name, t.parsed, secret);
  }

  const groups = raw.policy.groups;
  const idPrefixes = modules.platforms.filter((p) => p.platformIds).map((p) => p.name);
  const platformId = new RegExp(`^(${idPrefixes.join('|')}):\\S+$`);
  const checkPrincipal = (p: string, path: string): void => {
    if (EMAIL_PATTERN.test(p) || platformId.test(p)) return;
    if (Object.hasOwn(groups, p)) return;
    issues.push({
      path,
      message: `"${p}" is not an email, a platform id (${idPrefixes.map((n) => `${n}:…`).join(', ')}) or a group defined in policy.groups`,
    });
  };
  for (const [group, members] of Object.entries(groups)) {
    members.forEach((m, i) => {
      if (Object.hasOwn(groups, m)) {
        issues.push({ path: `policy.groups.${group}[${i}]`, message: 'groups cannot contain other groups' });
      } else checkPrincipal(m, `policy.groups.${group}[${i}]`);
    });
  }

  // What each platform module accepts as `<name>:<id>` in a rule's notify.
  const notifyPlatforms: NotifyPlatform[] = modules.platforms.map((p) =>
    p.routing === undefined ? { name: p.name } : { name: p.name, destination: p.routing.destination },
  );
  const rules: PolicyRule[] = raw.policy.rules.map((r, index) => {
    const at = `policy.rules[${index}]`;
    for (const [i, p] of r.requesters.entries()) checkPrincipal(p, `${at}.requesters[${i}]`);
    r.targets?.forEach((t, i) => {
      if (!Object.hasOwn(targets, t)) {
        issues.push({ path: `${at}.targets[${i}]`, message: `no target named "${t}" in targets` });
      }
    });
    let approval: Approval = { kind: 'none' };
    if (r.approval !== 'none') {
      const a = r.approval;
      for (const [i, p] of a.approvers.entries()) checkPrincipal(p, `${at}.approval.approvers[${i}]`);
      const pool = new Set(a.approvers.flatMap((p) => groups[p] ?? [p]));
      if (a.count > pool.size) {
        issues.push({
          path: `${at}.approval.count`,
          message: `needs ${a.count} approvals but the approvers name only ${pool.size} principal(s)`,
        });
      }
      approval = { kind: 'required', approvers: a.approvers, count: a.count, expires: a.expires };
    }
    const out: PolicyRule = {
      name: r.name ?? `rule ${index + 1}`,
      index,
      actions: r.actions,
      requesters: r.requesters,
      approval,
    };
    if (r.domains) {
      out.domains = r.domains.map((glob, i) => {
        const ascii = domainGlob(glob);
        if (ascii === undefined) {
          issues.push({
            path: `${at}.domains[${i}]`,
            message: `"${glob}" is not a domain or a glob such as *.corp.com`,
          });
        }
        return ascii ?? glob;
      });
    }
    if (r.targets) out.targets = r.targets;
    if (r.reason === 'required') out.reason = 'required';
    if (r.notify) {
      for (const issue of notifyIssues(r.notify, groups, notifyPlatforms)) {
        issues.push({ path: `${at}.notify[${issue.index}]`, message: issue.message });
      }
      out.notify = r.notify;
    }
    return out;
  });

  const chat: Record<string, unknown> = {};
  for (const platform of modules.platforms) {
    const section = (raw.chat as Record<string, unknown>)[platform.name];
    if (platform.config && section !== undefined) {
      chat[platform.name] = platform.config.build(section, secret, (issue) => issues.push(issue));
    }
  }

  const store = buildStoreSetting(raw.store, { baseDir, env, secret, issue: (i) => issues.push(i) });

  if (issues.length > 0) throw new ConfigError(issues);

  // Digits only: Number('') is 0 (a random port) and Number('0x50') is 80.
  const port =
    env.PORT === undefined ? raw.server.port : /^[0-9]{1,5}$/.test(env.PORT) ? Number(env.PORT) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError([{ path: 'PORT', message: `"${env.PORT}" is not a TCP port (0-65535)` }]);
  }

  return {
    source,
    store,
    targets,
    policy: { groups, rules },
    server: { host: raw.server.host, port },
    http: raw.http,
    dns: raw.dns,
    batch: raw.batch,
    chat: chat as Config['chat'],
    secrets,
  };
}
