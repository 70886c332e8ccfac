/** The words the core shares with its modules: actions, calls, principals. */

/**
 * The email pattern identity vendors accept (the strictest documented one:
 * `^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$`); also what a principal email must match.
 */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

/** Target and group names: what can be typed after `in` and read in a rule. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Actions answered by domainops itself; vendor actions come from the vendor modules. */
export const META_ACTIONS = [
  'help',
  'pending',
  'approve',
  'deny',
  'cancel',
  'audit',
  'targets',
  'whoami',
] as const;
export type MetaAction = (typeof META_ACTIONS)[number];

/** A command's canonical name: a meta action or a vendor module's action. */
export type Action = string;

export function isMetaAction(action: string): action is MetaAction {
  return (META_ACTIONS as readonly string[]).includes(action);
}
