import type { VendorCommandSpec } from '../../src/core/ports.ts';

/** The Webex Identity calls, as the client builds them (developer.webex.com, Identity Organization). */
export type WebexCall =
  | { action: 'unclaim'; domain: string }
  | { action: 'unverify'; domain: string; removePending: boolean };

export const WEBEX_COMMANDS: readonly VendorCommandSpec[] = [
  {
    action: 'unclaim',
    subject: 'domain',
    summary: 'Unclaim a domain in a Webex organization (it stays verified)',
    description:
      'Asks Webex Identity to unclaim the domain for the organization of the target. The domain stays ' +
      'verified and domain enforcement still applies; run unverify afterwards to remove the verification too.',
    destructive: true,
    example: 'unclaim abc.com in webex-prod',
    call: (domain): WebexCall => ({ action: 'unclaim', domain }),
  },
  {
    action: 'unverify',
    subject: 'domain',
    flags: [
      {
        name: '--remove-pending',
        summary: 'also delete the domain from the pending (not yet verified) domain list',
      },
    ],
    summary: 'Remove the verification of a domain from a Webex organization',
    description:
      'Asks Webex Identity to remove the ownership verification of the domain from the organization. ' +
      'It fails while the domain is still claimed: run unclaim first. With --remove-pending the domain ' +
      'is also deleted from the list of pending domains.',
    destructive: true,
    example: 'unverify abc.com in webex-prod --remove-pending',
    call: (domain, flags): WebexCall => ({
      action: 'unverify',
      domain,
      removePending: flags.has('--remove-pending'),
    }),
    facts: (call) => (call.removePending === true ? [{ label: 'Remove pending', value: 'yes' }] : []),
  },
];
