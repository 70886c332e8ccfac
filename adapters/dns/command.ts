import type { VendorCommandSpec } from '../../src/core/ports.ts';

/**
 * `dns-check <domain> [in <target>]`: one command that the Webex and Yandex modules both run, on
 * their own targets (the grammar makes one row of it; each module's client does the check its
 * way). Both list this very spec, so the line parses to the same call whichever target runs it.
 */
export const DNS_CHECK_COMMAND: VendorCommandSpec = {
  action: 'dns-check',
  subject: 'domain',
  summary: 'Check that every authoritative nameserver serves the DNS record that proves a domain',
  description:
    "Takes the record the target's vendor checks (Yandex: the domain's DNS TXT challenge; Webex: " +
    'cisco-ci-domain-verification=<token>, with the token of the last verify-token domainops ran for the ' +
    "domain; Webex is never asked for a new token), finds the domain's zone and its nameservers, and asks " +
    'each of their IPv4 and IPv6 addresses directly, recursion off, what it serves: served, missing, ' +
    'another value, or an error. Succeeds only when every address serves the record. Changes nothing. For ' +
    'a Webex domain without a token from verify-token it lists the cisco-ci-domain-verification records ' +
    'served.',
  destructive: false,
  changes: false,
  example: 'dns-check corp.ru in yc-sso',
  call: (domain) => ({ action: 'dns-check', domain }),
};
