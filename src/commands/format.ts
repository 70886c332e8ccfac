import type { Command } from './model.ts';

/**
 * The canonical text of a command, which parseCommand reads back to the same command:
 * for cards, audit records and `explain` (`unverify abc.com in webex-prod --remove-pending`).
 */
export function formatCommand(command: Command): string {
  const inTarget = (c: { target?: string }) => (c.target === undefined ? [] : ['in', c.target]);
  switch (command.action) {
    case 'unclaim':
    case 'validate':
    case 'domain':
      return [command.action, command.domain, ...inTarget(command)].join(' ');
    case 'unverify':
      return [
        command.action,
        command.domain,
        ...inTarget(command),
        ...(command.removePending ? ['--remove-pending'] : []),
      ].join(' ');
    case 'unassign-owner':
      return [command.action, command.email, ...inTarget(command)].join(' ');
    case 'help':
      return command.topic === undefined ? 'help' : `help ${command.topic}`;
    case 'approve':
    case 'cancel':
      return `${command.action} ${command.id}`;
    case 'deny':
      return command.reason === undefined ? `deny ${command.id}` : `deny ${command.id} ${command.reason}`;
    case 'audit':
      return command.limit === undefined ? 'audit' : `audit ${command.limit}`;
    case 'pending':
    case 'targets':
    case 'whoami':
      return command.action;
  }
}
