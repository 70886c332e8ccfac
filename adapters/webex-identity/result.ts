import type { DnsCheckResult } from '../dns/result.ts';
import type { VendorResult } from '../types.ts';

/** The prefix of the TXT record Webex looks up (Webex for Developers, "Get Domain Verification Token"). */
export const TXT_PREFIX = 'cisco-ci-domain-verification=';

/** A DNS record to publish, as the card shows it. */
export interface DnsRecord {
  /** The record's name: the domain itself. */
  name: string;
  type: 'TXT';
  value: string;
}

/** What a successful Webex Identity call returned, normalised per action; `raw` is Webex's body. */
export type WebexResult =
  | Extract<VendorResult, { action: 'unclaim' | 'unverify' }>
  | {
      action: 'verify-token';
      domain: string;
      /** The target's organization the token was issued for (absent in results stored before it was recorded). */
      orgId?: string;
      token: string;
      /** `DNS_TXT`, the only method Webex offers. */
      verificationMethod: string;
      /** The record to publish at the domain. */
      record: DnsRecord;
      url?: string;
      raw: unknown;
    }
  | {
      action: 'verify';
      domain: string;
      /** Whether claiming was asked for (`--claim`). */
      claim: boolean;
      verifiedDomains: string[];
      claimedDomains: string[];
      url?: string;
      raw: unknown;
    }
  | {
      action: 'claim';
      domain: string;
      force: boolean;
      /** The domains Webex says it claimed, with the URL of each domain resource. */
      claimed: { domain: string; url?: string }[];
      raw: unknown;
    }
  /** Whether every authoritative nameserver serves the domain's verification record. */
  | DnsCheckResult;

/** The TXT record for a verification token; a token Webex already gave with the prefix is kept as is. */
export function txtRecord(domain: string, token: string): DnsRecord {
  return { name: domain, type: 'TXT', value: token.startsWith(TXT_PREFIX) ? token : `${TXT_PREFIX}${token}` };
}
