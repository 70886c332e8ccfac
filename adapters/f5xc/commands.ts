import type { VendorCommandSpec } from '../../src/core/ports.ts';

/** The F5 Distributed Cloud calls (docs.cloud.f5.com, tenant domain owner API). */
export type F5Call = { action: 'unassign-owner'; email: string };

export const F5_COMMANDS: readonly VendorCommandSpec[] = [
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
