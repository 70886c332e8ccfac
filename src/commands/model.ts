/** The vocabulary shared by the grammar, the policy, the store and the adapters. */

export const VENDORS = ['webex', 'f5xc', 'yandex'] as const;
export type Vendor = (typeof VENDORS)[number];

/** Actions that call a vendor API. */
export const VENDOR_ACTIONS = ['unclaim', 'unverify', 'unassign-owner', 'validate', 'domain'] as const;
export type VendorAction = (typeof VENDOR_ACTIONS)[number];

/** Actions answered by domainops itself. */
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

export type Action = VendorAction | MetaAction;
export const ACTIONS: readonly Action[] = [...VENDOR_ACTIONS, ...META_ACTIONS];

/** Which vendor runs which action. */
export const ACTION_VENDOR: Readonly<Record<VendorAction, Vendor>> = {
  unclaim: 'webex',
  unverify: 'webex',
  'unassign-owner': 'f5xc',
  validate: 'yandex',
  domain: 'yandex',
};

/** The vendor-facing part of a command: what an adapter needs to build its request. */
export type VendorCall =
  | { action: 'unclaim'; domain: string }
  | { action: 'unverify'; domain: string; removePending: boolean }
  | { action: 'unassign-owner'; email: string }
  | { action: 'validate'; domain: string }
  | { action: 'domain'; domain: string };

/** A parsed vendor command; `target` is absent when the user left out `in <target>`. */
export type VendorCommand = VendorCall & { target?: string };

export type MetaCommand =
  | { action: 'help'; topic?: string }
  | { action: 'pending' }
  | { action: 'approve'; id: string }
  | { action: 'deny'; id: string; reason?: string }
  | { action: 'cancel'; id: string }
  | { action: 'audit'; limit?: number }
  | { action: 'targets' }
  | { action: 'whoami' };

export type Command = VendorCommand | MetaCommand;

export function isVendorAction(action: string): action is VendorAction {
  return (VENDOR_ACTIONS as readonly string[]).includes(action);
}

export function isVendorCommand(command: Command): command is VendorCommand {
  return isVendorAction(command.action);
}

/** The subject of a vendor call (a domain or an email), for cards, policy globs and audit. */
export function subjectOf(call: VendorCall): string {
  return call.action === 'unassign-owner' ? call.email : call.domain;
}
