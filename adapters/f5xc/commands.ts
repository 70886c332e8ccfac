import type { VendorCommandSpec } from '../../src/core/ports.ts';

/** The F5 Distributed Cloud calls (docs.cloud.f5.com, tenant domain owner API). */
export type F5Call = { action: 'assign-owner'; email: string } | { action: 'unassign-owner'; email: string };

/** What an F5 XC call returned: both answer `{}` (`raw`, the body as received). */
export type F5Result =
  | { action: 'assign-owner'; email: string; raw: unknown }
  | { action: 'unassign-owner'; email: string; raw: unknown };

/**
 * What approving `assign-owner` does, in the words of F5 Distributed Cloud API, "Assign domain
 * owner": mark the user as domain owner; if the user is SSO, mark them as F5 Distributed Cloud
 * managed and send an update-password email; set admin roles in the system, shared and *
 * namespaces; previous roles explicitly assigned to the user are deleted.
 */
export function assignOwnerWarning(email: string): string {
  return (
    `Approving replaces the roles assigned to ${email} before with admin roles in the system, shared ` +
    `and all namespaces (the old roles are deleted). If ${email} signs in with SSO, they become a ` +
    'user managed by F5 Distributed Cloud (no longer SSO) and F5 sends them an email to set a password.'
  );
}

export const F5_COMMANDS: readonly VendorCommandSpec[] = [
  {
    action: 'assign-owner',
    subject: 'email',
    summary: 'Make a user a domain owner of an F5 Distributed Cloud tenant',
    description:
      'Asks F5 Distributed Cloud to make the user with this email a domain owner of the tenant. F5 gives ' +
      'the user admin roles in the system, shared and all namespaces and deletes the roles assigned ' +
      'to them before. An SSO user becomes a user managed by F5 Distributed Cloud and is sent an email ' +
      'to set a password. The user must already exist in the tenant.',
    // It deletes the user's previous roles.
    destructive: true,
    example: 'assign-owner bob@corp.com in f5-acme',
    call: (email): F5Call => ({ action: 'assign-owner', email }),
    warning: (call) => assignOwnerWarning(String(call.email)),
  },
  {
    action: 'unassign-owner',
    subject: 'email',
    summary: 'Remove the domain owner privilege from a user of an F5 Distributed Cloud tenant',
    description:
      'Asks F5 Distributed Cloud to remove the domain-owner flag from the user with this email. When the ' +
      'tenant uses SSO the user is marked as an SSO user and their password and OTP credentials are ' +
      'deleted. Roles granted before, admin roles included, are kept.',
    destructive: true,
    example: 'unassign-owner bob@corp.com in f5-acme',
    call: (email): F5Call => ({ action: 'unassign-owner', email }),
  },
];
