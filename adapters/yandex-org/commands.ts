import type { VendorCommandSpec } from '../../src/core/ports.ts';
import { DNS_CHECK_COMMAND } from '../dns/command.ts';
import { DNS_FLAGS, dnsFacts, dnsFlags } from '../dns/flags.ts';
import type { DnsCheckResult } from '../dns/result.ts';
import type { YandexDomain } from '../types.ts';

/** The Yandex Cloud Organization Manager calls (federation or userpool domain methods). */
export type YandexCall =
  /** `wait`: `--wait`; `skipDnsCheck`: `--skip-dns-check` (each present only when given). */
  | { action: 'validate'; domain: string; wait?: true; skipDnsCheck?: true }
  | { action: 'domain'; domain: string }
  | { action: 'dns-check'; domain: string }
  | { action: 'add-domain'; domain: string }
  | { action: 'list-domains' }
  | { action: 'delete-domain'; domain: string };

/** What a Yandex call returns, normalised per action; `raw` is the vendor's body as received. */
export type YandexResult =
  | { action: 'validate'; domain: YandexDomain; operationId: string; raw: unknown }
  | { action: 'domain'; domain: YandexDomain; raw: unknown }
  | { action: 'add-domain'; domain: YandexDomain; operationId: string; raw: unknown }
  /** Every domain of every page, in the vendor's order; `pages`: how many pages were read. */
  | { action: 'list-domains'; domains: YandexDomain[]; pages: number }
  | { action: 'delete-domain'; domain: string; operationId: string; raw: unknown }
  /** Whether every authoritative nameserver serves the domain's DNS challenge record. */
  | DnsCheckResult;

export const YANDEX_COMMANDS: readonly VendorCommandSpec[] = [
  {
    action: 'validate',
    subject: 'domain',
    flags: DNS_FLAGS,
    summary: 'Ask Yandex Cloud to check the DNS TXT challenge of a domain',
    description:
      'Asks Yandex Cloud Organization Manager to validate the domain of the federation or userpool by ' +
      'checking its DNS TXT challenge. domainops first checks that every authoritative nameserver of ' +
      "the domain's zone serves the record (as dns-check does) and, if one does not, shows which and " +
      'sends nothing. With --wait it checks again until they all do, then asks Yandex.',
    destructive: false,
    example: 'validate corp.ru in yc-sso --wait',
    call: (domain, flags): YandexCall => ({ action: 'validate', domain, ...dnsFlags(flags) }),
    facts: dnsFacts,
  },
  {
    action: 'domain',
    aliases: ['status'],
    subject: 'domain',
    summary: 'Show the status and DNS challenges of a domain in Yandex Cloud',
    description:
      'Reads the domain from the Yandex Cloud federation or userpool and shows its status ' +
      '(NEED_TO_VALIDATE, VALIDATING, VALID, INVALID, DELETING) and its DNS TXT challenges. Changes nothing.',
    destructive: false,
    changes: false,
    example: 'domain corp.ru in yc-sso',
    call: (domain): YandexCall => ({ action: 'domain', domain }),
  },
  DNS_CHECK_COMMAND,
  {
    action: 'add-domain',
    subject: 'domain',
    summary: 'Add a domain to a Yandex Cloud federation or userpool and show its DNS challenge',
    description:
      'Adds the domain to the Yandex Cloud federation or userpool of the target and shows the DNS TXT ' +
      'record that proves you own it. Publish the record at your DNS provider, then run validate.',
    destructive: false,
    example: 'add-domain new.corp.ru in yc-sso',
    call: (domain): YandexCall => ({ action: 'add-domain', domain }),
  },
  {
    action: 'list-domains',
    subject: 'none',
    summary: 'List the domains of a Yandex Cloud federation or userpool with their status',
    description:
      'Reads every domain of the Yandex Cloud federation or userpool of the target, page by page, and ' +
      'shows each with its status. Changes nothing.',
    destructive: false,
    example: 'list-domains in yc-sso',
    call: (): YandexCall => ({ action: 'list-domains' }),
  },
  {
    action: 'delete-domain',
    subject: 'domain',
    summary: 'Delete a domain from a Yandex Cloud federation or userpool',
    description:
      'Deletes the domain from the Yandex Cloud federation or userpool of the target. A userpool domain ' +
      'protected from deletion is refused before anything is sent. To use the domain again it must be ' +
      'added and validated anew.',
    destructive: true,
    example: 'delete-domain old.corp.ru in yc-sso',
    call: (domain): YandexCall => ({ action: 'delete-domain', domain }),
    warning: (call) =>
      `${String(call.domain)} leaves the federation or userpool; to use it again it must be added and its DNS record validated anew.`,
  },
];
