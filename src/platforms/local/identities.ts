import type { IncomingMessage } from 'node:http';
import { EMAIL_PATTERN } from '../../config/schema.ts';
import type { Config } from '../../config/types.ts';

/** Someone the playground lets you be, with the groups the policy puts them in. */
export interface Identity {
  email: string;
  groups: string[];
}

/** The outsider offered next to the policy's people: in no group, so every command is refused. */
export const OUTSIDER = 'eve@example.com';

/** At most this many identities are offered (a large policy would not fit the page). */
const MAX_IDENTITIES = 20;

/**
 * Everyone the policy names by email (group members, requesters, approvers), plus an outsider.
 * Platform ids (`slack:U…`) are left out: the playground can only be people with an email.
 */
export function identitiesOf(config: Config): Identity[] {
  const { groups, rules } = config.policy;
  const emails: string[] = [];
  const add = (p: string): void => {
    const e = p.toLowerCase();
    if (EMAIL_PATTERN.test(p) && !emails.includes(e)) emails.push(e);
  };
  for (const members of Object.values(groups)) members.forEach(add);
  for (const rule of rules) {
    rule.requesters.forEach(add);
    if (rule.approval.kind === 'required') rule.approval.approvers.forEach(add);
  }
  const out = emails.slice(0, MAX_IDENTITIES - 1).map((email) => ({
    email,
    groups: Object.entries(groups)
      .filter(([, members]) => members.some((m) => m.toLowerCase() === email))
      .map(([g]) => g),
  }));
  if (!emails.includes(OUTSIDER)) out.push({ email: OUTSIDER, groups: [] });
  return out;
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/** True for `127.0.0.1`, `127.x.y.z`, `::1`, `[::1]` and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOST.test(host);
}

/** True when the connection arrived on a loopback address (IPv4, IPv6 or IPv4-mapped). */
export function isLoopbackSocket(req: IncomingMessage): boolean {
  const local = req.socket.localAddress ?? '';
  return isLoopbackHost(local.replace(/^::ffff:/i, ''));
}

/**
 * Whether a browser may choose who it is: only with the built-in sandbox (nothing real can
 * change) and only on a loopback address (nobody else can reach the page). Undefined when it
 * may; otherwise why not, for the page and the 403 answers.
 */
export function pickingRefusal(config: Config, sandbox: boolean): string | undefined {
  if (!sandbox) {
    return (
      'The playground lets you choose who you are only with the built-in vendor sandbox. These targets are ' +
      'real, so identities must come from a chat platform: configure Slack or Webex under `chat:` in ' +
      'domainops.yaml, or use `domainops exec --as <email>` on the server.'
    );
  }
  if (!isLoopbackHost(config.server.host)) {
    return (
      `The server listens on ${config.server.host}, not on a loopback address, so anyone who can reach it ` +
      'could pretend to be an approver. Set server.host to 127.0.0.1 for the playground, or configure ' +
      'Slack or Webex for identities that come from the platform.'
    );
  }
  return undefined;
}
