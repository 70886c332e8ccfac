/**
 * A configured base URL as the adapters join paths to it: trailing slashes dropped (no `//` in
 * the path), and a bare origin completed with the vendor's documented path prefix. Public
 * material disagrees on whether `/v1` belongs in the Webex base (seed 001 documents
 * `POST /v1/identity/organizations/{orgId}/actions/unclaimDomain` against a host), so both
 * `https://webexapis.com` and `https://webexapis.com/v1` reach the documented path.
 */
export function baseUrl(configured: string, documentedPrefix = ''): string {
  const trimmed = configured.replace(/\/+$/, '');
  if (documentedPrefix !== '' && new URL(trimmed).pathname === '/') return `${trimmed}${documentedPrefix}`;
  return trimmed;
}
