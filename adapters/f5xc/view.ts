import type { ResultView } from '../../src/core/ports.ts';
import type { F5Result } from './commands.ts';

/** What a successful F5 XC call did, for the person in chat. `target` is the target's name. */
export function f5View(result: F5Result, target: string): ResultView {
  if (result.action === 'assign-owner') {
    // F5 Distributed Cloud API, "Assign domain owner": the steps F5 takes; it answers `{}`.
    return {
      title: `${result.email} is now a domain owner`,
      tone: 'success',
      sections: [
        { kind: 'text', text: `F5 XC made ${result.email} a domain owner of the tenant.` },
        {
          kind: 'facts',
          facts: [
            {
              label: 'Roles',
              value: 'admin in the system, shared and all namespaces; the roles assigned before are deleted',
            },
            {
              label: 'Sign-in',
              value: `if ${result.email} signed in with SSO, they are now managed by F5 Distributed Cloud and get an email to set a password`,
            },
          ],
        },
        {
          kind: 'context',
          text: `To remove the domain-owner flag again, run: unassign-owner ${result.email} in ${target} (the admin roles stay; the roles deleted before do not come back)`,
        },
      ],
    };
  }
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
