import { ACTION_VENDOR, isVendorAction, VENDOR_ACTIONS } from '../commands/model.ts';
import { formatDuration } from '../config/duration.ts';
import type { Config, PolicyRule, Target } from '../config/types.ts';

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
 * and a policy summary. `ok` is false when a secret does not resolve.
 */
export function checkConfigReport(config: Config): { ok: boolean; text: string } {
  const lines: string[] = [`config: ${config.source}`, `store: ${config.store}`, '', 'targets:'];
  const targets = Object.values(config.targets);
  if (targets.length === 0) lines.push('  (none: vendor commands cannot run)');
  for (const target of targets) {
    const actions = VENDOR_ACTIONS.filter((a) => ACTION_VENDOR[a] === target.vendor);
    lines.push(`  ${target.name}: ${target.vendor}, ${vendorRef(target)}; runs ${actions.join(', ')}`);
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
  lines.push('', ok ? 'OK' : 'FAILED: some secrets do not resolve (see above)');
  return { ok, text: lines.join('\n') };
}
