import { domainToASCII } from 'node:url';

/**
 * A configured base URL as the adapters join paths to it: trailing slashes dropped (no `//` in
 * the path), and a bare origin completed with the vendor's documented path prefix. Public
 * material disagrees on whether `/v1` belongs in the Webex base (Webex for Developers,
 * "Unclaim Domain", documents `POST /v1/identity/organizations/{orgId}/actions/unclaimDomain`
 * against a host), so both
 * `https://webexapis.com` and `https://webexapis.com/v1` reach the documented path.
 */
export function baseUrl(configured: string, documentedPrefix = ''): string {
  const trimmed = configured.replace(/\/+$/, '');
  if (documentedPrefix !== '' && new URL(trimmed).pathname === '/') return `${trimmed}${documentedPrefix}`;
  return trimmed;
}

/**
 * Whether a domain name a vendor answered with names the domain that was asked about:
 * compared as DNS compares names (letter case ignored, one trailing dot ignored, an IDN in
 * Unicode equal to its punycode form).
 */
export function sameDomainName(answered: string, asked: string): boolean {
  const canonical = (name: string): string => {
    const lower = name.trim().toLowerCase().replace(/\.$/, '');
    return domainToASCII(lower) || lower;
  };
  return canonical(answered) === canonical(asked);
}

/**
 * A name taken from a vendor's answer, made safe to quote in a message: control and invisible
 * characters become `?`, and anything past 253 characters (the longest domain) is cut.
 */
export function shownName(value: string): string {
  const clean = value.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '?');
  return clean.length > 253 ? `${clean.slice(0, 253)}…` : clean;
}
