import type { VendorCommandSpec } from '../../src/core/ports.ts';
import { DNS_CHECK_COMMAND } from '../dns/command.ts';
import { DNS_FLAGS, dnsFacts, dnsFlags } from '../dns/flags.ts';

/**
 * The Webex Identity calls, as the client builds them (Webex for Developers, "API - Domain
 * Management": Get Domain Verification Token, Verify Domain, Claim Domain, Unclaim Domain,
 * Unverify Domain).
 */
export type WebexCall =
  | { action: 'verify-token'; domain: string }
  /** `wait`: `--wait`; `skipDnsCheck`: `--skip-dns-check` (each present only when given). */
  | { action: 'verify'; domain: string; claim: boolean; wait?: true; skipDnsCheck?: true }
  | { action: 'dns-check'; domain: string }
  | { action: 'claim'; domain: string; force: boolean }
  | { action: 'unclaim'; domain: string }
  | { action: 'unverify'; domain: string; removePending: boolean };

/** What claim --force does, for the approver (Claim Domain, `forceDomainClaim`). */
export function forceClaimWarning(domain: string): string {
  return (
    `this takes ${domain} from another organization's users: Webex claims it even though users ` +
    `outside this organization use addresses at ${domain}.`
  );
}

export const WEBEX_COMMANDS: readonly VendorCommandSpec[] = [
  {
    action: 'verify-token',
    subject: 'domain',
    summary: 'Show the DNS TXT record to publish to verify a domain in a Webex organization',
    description:
      'Asks Webex Identity for the domain verification token of the organization and shows the DNS TXT ' +
      'record to publish at the domain (cisco-ci-domain-verification=<token>). Once it is published, run ' +
      'verify. Webex refuses a domain that is already claimed, by this organization or another one.',
    destructive: false,
    example: 'verify-token corp.com in webex-prod',
    call: (domain) => ({ action: 'verify-token', domain }),
  },
  {
    action: 'verify',
    subject: 'domain',
    flags: [{ name: '--claim', summary: 'claim the domain too once it is verified' }, ...DNS_FLAGS],
    summary: 'Verify a domain of a Webex organization from its published DNS TXT record',
    description:
      'Asks Webex Identity to verify the domain by looking up its TXT record (run verify-token first and ' +
      'publish the record it shows). domainops first checks that every authoritative nameserver of the ' +
      "domain's zone serves the record (as dns-check does) and, if one does not, shows which and sends " +
      'nothing; with --wait it checks again until they all do. Domain enforcement then applies: users of ' +
      'the organization whose email domain is not verified are marked transient. With --claim the domain ' +
      'is claimed as well.',
    destructive: false,
    example: 'verify corp.com in webex-prod --claim',
    call: (domain, flags) => ({ action: 'verify', domain, claim: flags.has('--claim'), ...dnsFlags(flags) }),
    facts: (call) => [
      ...(call.claim === true ? [{ label: 'Claim too', value: 'yes' }] : []),
      ...dnsFacts(call),
    ],
  },
  DNS_CHECK_COMMAND,
  {
    action: 'claim',
    subject: 'domain',
    flags: [
      {
        name: '--force',
        summary: 'claim it even though users of another organization use it (takes it from them)',
      },
    ],
    summary: 'Claim a verified domain for a Webex organization',
    description:
      'Asks Webex Identity to claim a verified domain: new users with addresses at it are created in the ' +
      'organization. Without --force Webex refuses while users outside the organization use the domain; ' +
      'with --force it takes the domain from them.',
    destructive: false,
    example: 'claim corp.com in webex-prod',
    call: (domain, flags) => ({ action: 'claim', domain, force: flags.has('--force') }),
    facts: (call) => (call.force === true ? [{ label: 'Force', value: 'yes' }] : []),
    warning: (call) =>
      call.force === true && typeof call.domain === 'string' ? forceClaimWarning(call.domain) : undefined,
  },
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
