import { systemClock } from '../core/clock.ts';
import { formatDuration } from '../core/config/duration.ts';
import type { Config, PolicyRule } from '../core/config/types.ts';
import { OPEN_TO_ALL } from '../core/pipeline.ts';
import type { StoreCheck } from '../core/ports.ts';
import { type Composition, modules as defaultModules } from '../modules.ts';
import { isLoopbackHost } from '../platforms/local/identities.ts';

/**
 * A note for each `http://` URL whose host is not loopback: tokens, webhook payloads and vendor
 * answers would cross the network unencrypted. Only the host is shown (a URL may carry userinfo).
 */
function plainHttpNotes(urls: [string, string][]): string[] {
  return urls.flatMap(([path, url]) => {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return [];
    return [
      `note: ${path} uses http:// to ${parsed.host}: credentials and data would cross the network unencrypted; use https:// (plain http:// is meant for a loopback host: 127.0.0.0/8, ::1, localhost)`,
    ];
  });
}

function chatSummary(config: Config, modules: Composition): string {
  const chat = config.chat as Record<string, unknown>;
  const parts = modules.platforms.flatMap((p) => {
    const c = chat[p.name];
    if (c === undefined) return [];
    return [p.summary ? `${p.name} (${p.summary(c)})` : p.name];
  });
  return parts.length > 0 ? parts.join(', ') : 'none configured';
}

function chatUrls(config: Config, modules: Composition): [string, string][] {
  const chat = config.chat as Record<string, unknown>;
  return modules.platforms.flatMap((p) => (chat[p.name] !== undefined && p.urls ? p.urls(chat[p.name]) : []));
}

/** What `check-config` found out about the rules' notify destinations. */
export interface NotifyCheck {
  lines: string[];
  /**
   * Destinations a platform says cannot be posted to (not found, the bot not in it), and a bot
   * token the platform refuses (then none can be). A platform that cannot be reached is a line,
   * not a problem.
   */
  problems: number;
}

/** `<platform>:<id>` of a notify entry; undefined for an email or a group. */
function platformEntry(entry: string): { name: string; id: string } | undefined {
  const m = /^([a-z][a-z0-9-]*):(.*)$/s.exec(entry);
  return m ? { name: m[1]!, id: m[2]! } : undefined;
}

/**
 * Checks the rules' notify destinations with the platforms' APIs: for each `<platform>:<id>` of a
 * configured platform, whether it can be posted to (the platform module's `routing.check`). A
 * destination of a platform that is not configured is a note (it is skipped while that platform
 * does not run); emails and groups are direct messages, looked up when a card is sent. Undefined
 * when no rule has notify destinations.
 */
export async function checkNotify(
  config: Config,
  modules: Composition = defaultModules,
): Promise<NotifyCheck | undefined> {
  const entries = [...new Set(config.policy.rules.flatMap((r) => r.notify ?? []))];
  if (entries.length === 0) return undefined;
  const chat = config.chat as Record<string, unknown>;
  const byPlatform = new Map<string, string[]>();
  for (const entry of entries) {
    const at = platformEntry(entry);
    if (at !== undefined) byPlatform.set(at.name, [...(byPlatform.get(at.name) ?? []), at.id]);
  }
  const lines: string[] = [];
  let problems = 0;
  for (const [name, ids] of byPlatform) {
    const module = modules.platforms.find((p) => p.name === name);
    const section = chat[name];
    if (section === undefined) {
      lines.push(
        `note: ${ids.map((id) => `${name}:${id}`).join(', ')}: chat.${name} is not configured, so ${ids.length === 1 ? 'this destination is' : 'these destinations are'} skipped`,
      );
      continue;
    }
    if (module?.routing?.check === undefined) {
      for (const id of ids) lines.push(`${name}:${id}: not checked`);
      continue;
    }
    try {
      const report = await module.routing.check(section, ids);
      lines.push(...report.lines);
      problems += report.problems;
    } catch (error) {
      lines.push(`note: ${name} destinations not checked: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const people = entries.filter((e) => platformEntry(e) === undefined);
  if (people.length > 0) {
    const reach = modules.platforms
      .filter((p) => p.routing !== undefined && chat[p.name] !== undefined)
      .map((p) => p.name);
    lines.push(
      reach.length === 0
        ? `note: ${people.join(', ')}: direct messages, but no configured chat platform sends them`
        : `${people.join(', ')}: a direct message to each person on ${reach.join(' and ')} (people are looked up by email when a card is sent; someone not found there is skipped)`,
    );
  }
  return { lines, problems };
}

/**
 * Requesters of a rule who are themselves approvers when the other approvers are fewer than
 * `count`: their requests can never be approved (the requester never counts).
 */
function unreachableApprovers(config: Config, rule: PolicyRule): string[] {
  if (rule.approval.kind !== 'required') return [];
  const { groups } = config.policy;
  const expand = (principals: readonly string[]): string[] => [
    ...new Set(principals.flatMap((p) => groups[p] ?? [p]).map((p) => p.toLowerCase())),
  ];
  const pool = expand(rule.approval.approvers);
  if (rule.approval.count <= pool.length - 1) return [];
  return expand(rule.requesters).filter((r) => pool.includes(r));
}

/**
 * The report of `domainops check-config`: targets, which secrets resolve (never their values)
 * and a policy summary. `ok` is false when a secret does not resolve, the store cannot be used, or
 * a notify destination cannot be posted to (a platform refused the bot token, say); notes (plain
 * http://, a Webex orgId that is not a UUID, approvals that cannot be collected, a platform that
 * could not be reached) warn without failing.
 */
export function checkConfigReport(
  config: Config,
  modules: Composition = defaultModules,
  store?: StoreCheck,
  notify?: NotifyCheck,
): { ok: boolean; text: string } {
  const { location, from } = config.store;
  const lines: string[] = [
    `config: ${config.source}`,
    // The location never holds a password (src/config/store.ts moves it out).
    `store: ${location}${from === undefined ? '' : ` (from ${from})`}`,
    ...(store?.lines ?? []).map((line) => `  ${line}`),
    '',
    'targets:',
  ];
  const targets = Object.values(config.targets);
  if (targets.length === 0) lines.push('  (none: vendor commands cannot run)');
  for (const target of targets) {
    const module = modules.vendors.find((m) => m.vendor === target.vendor)!;
    const actions = module.commands.map((c) => c.action);
    lines.push(`  ${target.name}: ${target.vendor}, ${module.reference(target)}; runs ${actions.join(', ')}`);
    const notes = [
      ...(module.notes?.(target) ?? []).map((n) => `note: ${n}`),
      ...plainHttpNotes(module.urls(target)),
    ];
    for (const note of notes) lines.push(`    ${note}`);
  }
  lines.push('', 'secrets:');
  let ok = true;
  if (config.secrets.length === 0) lines.push('  (none)');
  for (const secret of config.secrets) {
    let state = 'resolved';
    try {
      secret.reveal();
    } catch (error) {
      ok = false;
      state = `NOT RESOLVED: ${(error as Error).message.replace(/^invalid configuration: [^:]+: /, '')}`;
    }
    lines.push(`  ${secret.path} (${secret.source}): ${state}`);
  }
  const { groups, rules } = config.policy;
  lines.push('', 'policy:');
  const groupNames = Object.keys(groups);
  lines.push(
    groupNames.length === 0
      ? '  groups: none'
      : `  groups: ${groupNames.map((g) => `${g} (${groups[g]!.length})`).join(', ')}`,
  );
  if (rules.length === 0) lines.push('  rules: none: every command is rejected');
  for (const rule of rules) {
    const scope = [
      rule.targets ? `on ${rule.targets.join(', ')}` : '',
      rule.domains ? `for ${rule.domains.join(', ')}` : '',
    ].filter(Boolean);
    const approval =
      rule.approval.kind === 'none'
        ? 'no approval'
        : `${rule.approval.count} approval(s) from ${rule.approval.approvers.join(', ')} within ${formatDuration(rule.approval.expires)}`;
    const notifies = rule.notify === undefined ? '' : `; also posted to ${rule.notify.join(', ')}`;
    lines.push(
      `  ${rule.index + 1}. ${rule.name}: ${rule.actions.join(', ')}${scope.length ? ` ${scope.join(' ')}` : ''} by ${rule.requesters.join(', ')}; ${approval}${notifies}`,
    );
    const stuck = unreachableApprovers(config, rule);
    if (stuck.length > 0) {
      lines.push(
        `     note: the requester never counts, so a request by ${stuck.join(', ')} can get at most ${rule.approval.kind === 'required' ? rule.approval.count - 1 : 0} approval(s) and will expire: add approvers or lower count`,
      );
    }
    const instant =
      rule.approval.kind === 'none'
        ? []
        : rule.actions.filter((a) => modules.grammar.vendorOf(a) === undefined && !OPEN_TO_ALL.has(a));
    if (instant.length > 0) {
      lines.push(
        `     note: ${instant.join(', ')} cannot wait for an approval, so this rule refuses them; list them in a rule with approval: none`,
      );
    }
  }
  lines.push('', `chat: ${chatSummary(config, modules)}`);
  for (const note of plainHttpNotes(chatUrls(config, modules))) lines.push(`  ${note}`);
  const chats = modules.platforms.filter((p) => p.config !== undefined).map((p) => `chat.${p.name}`);
  if (Object.keys(config.chat).length === 0 && Object.keys(config.targets).length > 0) {
    // Real targets and no chat: `start` would run a bot nobody can reach (the playground refuses
    // to let a browser pick an identity with real vendors).
    lines.push(
      `  note: no chat platform is configured, so nobody can send commands to the bot; add ${chats.join(' or ')} (see the README), or use \`domainops exec --as <email>\` on this host`,
    );
  }
  if (notify !== undefined) {
    lines.push('', 'notify:');
    for (const line of notify.lines) lines.push(`  ${line}`);
  }
  const storeOk = store?.ok ?? true;
  const notifyOk = (notify?.problems ?? 0) === 0;
  const failures = [
    ok ? [] : ['some secrets do not resolve'],
    storeOk ? [] : ['the store cannot be used'],
    notifyOk ? [] : ['some notify destinations cannot be posted to'],
  ].flat();
  lines.push('', failures.length === 0 ? 'OK' : `FAILED: ${failures.join('; ')} (see above)`);
  return { ok: ok && storeOk && notifyOk, text: lines.join('\n') };
}

/**
 * `domainops check-config`: the report above, with what the store module finds when it checks
 * the store (a server store connects, reports its schema version and the role's privileges).
 */
export async function checkConfig(
  config: Config,
  modules: Composition = defaultModules,
): Promise<{ ok: boolean; text: string }> {
  const module = modules.stores.find((s) => s.accepts(config.store));
  let store: StoreCheck | undefined;
  if (module === undefined) {
    store = {
      ok: false,
      lines: [`no store module takes this location (${modules.stores.map((s) => s.name).join(', ')})`],
    };
  } else if (module.check) {
    // A password that does not resolve is reported with the secrets; the server is not tried.
    let resolves = true;
    try {
      config.store.password?.reveal();
    } catch {
      resolves = false;
    }
    store = resolves
      ? await module.check(config.store, { clock: systemClock })
      : { ok: false, lines: ['not checked: its password does not resolve (see secrets)'] };
  }
  return checkConfigReport(config, modules, store, await checkNotify(config, modules));
}
