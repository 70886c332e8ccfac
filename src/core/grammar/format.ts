import { type Command, isVendorCommand } from './model.ts';

/**
 * The canonical text of a command, which the parser reads back to the same command:
 * for cards, audit records and `explain` (`unverify abc.com in prod --remove-pending`).
 */
export function formatCommand(command: Command): string {
  if (isVendorCommand(command)) {
    return [
      command.action,
      // A command that takes no subject (`list-domains`) has an empty one; a batch has several.
      ...(command.items !== undefined
        ? command.items.map((item) => item.subject)
        : command.subject === ''
          ? []
          : [command.subject]),
      ...(command.target === undefined ? [] : ['in', command.target]),
      ...command.flags,
      ...(command.reason === undefined ? [] : ['because', command.reason]),
    ].join(' ');
  }
  switch (command.action) {
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
