import { ACTION_VENDOR, isVendorAction, VENDOR_ACTIONS } from '../commands/model.ts';
import { formatDuration } from '../config/duration.ts';
import type { Config, PolicyRule, Target } from '../config/types.ts';
import { isLoopbackHost } from '../platforms/local/identities.ts';

function vendorRef(target: Target): string {
  switch (target.vendor) {
    case 'webex':
      return `org ${target.orgId}`;
    case 'f5xc':
      return `tenant ${new URL(target.tenantUrl).host}`;
    case 'yandex':
      return `${target.scope.kind} ${target.scope.id}`;
  }
}

/** The URLs domainops connects to (or, for a webhook, is reached at) for a target, by config path. */
function targetUrls(target: Target): [string, string][] {
  const at = (field: string, url: string): [string, string] => [`targets.${target.name}.${field}`, url];
  switch (target.vendor) {
    case 'webex':
      return [
        at('apiUrl', target.apiUrl),
        ...(target.auth.kind === 'refreshToken' ? [at('auth.tokenUrl', target.auth.tokenUrl)] : []),
      ];
    case 'f5xc':
      return [at('tenantUrl', target.tenantUrl)];
    case 'yandex':
      return [
        at('apiUrl', target.apiUrl),
        at('operationUrl', target.operationUrl),
        ...(target.auth.kind === 'serviceAccountKey' ? [at('auth.iamUrl', target.auth.iamUrl)] : []),
      ];
  }
}

function chatUrls(config: Config): [string, string][] {
  const { slack, webex } = config.chat;
  return [
    ...(slack ? [['chat.slack.apiUrl', slack.apiUrl] as [string, string]] : []),
    ...(webex ? [['chat.webex.apiUrl', webex.apiUrl] as [string, string]] : []),
    ...(webex?.webhookUrl ? [['chat.webex.webhookUrl', webex.webhookUrl] as [string, string]] : []),
  ];
}

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The identity API takes the identity-assigned organization UUID. The ids of `GET
 * /v1/organizations` are base64 of `ciscospark://<region>/ORGANIZATION/<uuid>`; when orgId is
 * one of those, the note names the UUID inside it.
 */
function webexOrgIdNote(target: Target): string[] {
  if (target.vendor !== 'webex' || UUID.test(target.orgId)) return [];
  const decoded = Buffer.from(target.orgId, 'base64').toString('latin1');
  const inner = /^ciscospark:\/\/[^/]+\/ORGANIZATION\/([0-9a-f-]{36})$/i.exec(decoded)?.[1];
  const use = inner !== undefined && UUID.test(inner) ? `use ${inner}` : 'use the UUID shown in Control Hub';
  return [
    `note: targets.${target.name}.orgId is not a UUID: the identity API wants the identity-assigned organization UUID (the base64 ids of /v1/organizations fail with 404); ${use}`,
  ];
}

function chatSummary(config: Config): string {
  const parts: string[] = [];
  const { slack, webex } = config.chat;
  if (slack)
    parts.push(`slack (${slack.appToken ? 'Socket Mode' : 'HTTP mode at /slack/events'}, ${slack.command})`);
  if (webex) parts.push(`webex (${webex.webhookUrl ? `webhook ${webex.webhookUrl}` : 'websocket mode'})`);
  return parts.length > 0 ? parts.join(', ') : 'none configured';
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
 * and a policy summary. `ok` is false when a secret does not resolve; notes (plain http://,
 * a Webex orgId that is not a UUID, approvals that cannot be collected) warn without failing.
 */
export function checkConfigReport(config: Config): { ok: boolean; text: string } {
  const lines: string[] = [`config: ${config.source}`, `store: ${config.store}`, '', 'targets:'];
  const targets = Object.values(config.targets);
  if (targets.length === 0) lines.push('  (none: vendor commands cannot run)');
  for (const target of targets) {
    const actions = VENDOR_ACTIONS.filter((a) => ACTION_VENDOR[a] === target.vendor);
    lines.push(`  ${target.name}: ${target.vendor}, ${vendorRef(target)}; runs ${actions.join(', ')}`);
    for (const note of [...webexOrgIdNote(target), ...plainHttpNotes(targetUrls(target))])
      lines.push(`    ${note}`);
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
    lines.push(
      `  ${rule.index + 1}. ${rule.name}: ${rule.actions.join(', ')}${scope.length ? ` ${scope.join(' ')}` : ''} by ${rule.requesters.join(', ')}; ${approval}`,
    );
    const stuck = unreachableApprovers(config, rule);
    if (stuck.length > 0) {
      lines.push(
        `     note: the requester never counts, so a request by ${stuck.join(', ')} can get at most ${rule.approval.kind === 'required' ? rule.approval.count - 1 : 0} approval(s) and will expire: add approvers or lower count`,
      );
    }
    const instant = rule.approval.kind === 'none' ? [] : rule.actions.filter((a) => !isVendorAction(a));
    if (instant.length > 0) {
      lines.push(
        `     note: ${instant.join(', ')} cannot wait for an approval, so this rule refuses them; list them in a rule with approval: none`,
      );
    }
  }
  lines.push('', `chat: ${chatSummary(config)}`);
  for (const note of plainHttpNotes(chatUrls(config))) lines.push(`  ${note}`);
  lines.push('', ok ? 'OK' : 'FAILED: some secrets do not resolve (see above)');
  return { ok, text: lines.join('\n') };
}
