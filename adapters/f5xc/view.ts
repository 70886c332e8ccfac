import type { ResultView } from '../../src/core/ports.ts';
import type { VendorResult } from '../types.ts';

type F5Result = Extract<VendorResult, { action: 'unassign-owner' }>;

/** What a successful F5 XC call did, for the person in chat. */
export function f5View(result: F5Result): ResultView {
  return {
    title: `${result.email} is no longer a domain owner`,
    tone: 'success',
    sections: [
      {
        kind: 'list',
        title: 'What changed',
        items: [
          `The domain-owner flag of ${result.email} is removed.`,
          'If the tenant uses SSO, the user is marked as an SSO user and their password and OTP credentials are deleted.',
          'Roles granted before, admin roles included, are kept.',
        ],
      },
    ],
  };
}
