/**
 * The contract fixture of the Webex Identity module. Error statuses: the response codes of
 * Webex for Developers ("Get Domain Verification Token", "Verify Domain", "Claim Domain",
 * "Unclaim Domain", "Unverify Domain", and "API Reference: Response Codes") that mean something
 * to the person who asked.
 */
import type { VendorContract } from '../vendor.ts';

/** Every action changes the organization except asking for a token, which may be asked again. */
const CHANGES = ['verify', 'claim', 'unclaim', 'unverify'];

export const contract: VendorContract = {
  vendor: 'webex',
  target: { orgId: '1eb65fdf-9643-417f-9974-ad72cae0e10f' },
  samples: {
    // The sandbox plays the DNS of corp.com: new.corp.com's record is published with its token.
    'verify-token': { subject: 'new.corp.com' },
    // eu.corp.com has a token whose record is published.
    verify: { subject: 'eu.corp.com', flags: ['--claim'] },
    // labs.corp.com is verified, and users of another organization use it.
    claim: { subject: 'labs.corp.com', flags: ['--force'] },
    // The sandbox organization has abc.com claimed and example.org verified only.
    unclaim: { subject: 'abc.com' },
    unverify: { subject: 'example.org', flags: ['--remove-pending'] },
    // eu.corp.com's record is published; without a stored verify-token the check lists it.
    'dns-check': { subject: 'eu.corp.com' },
  },
  dnsOnly: ['dns-check'],
  errors: [
    { status: 409, actions: ['verify-token'], code: 'vendor_conflict', hint: 'needs no verification token' },
    {
      status: 400,
      actions: ['verify'],
      code: 'vendor_bad_request',
      hint: 'run `verify-token eu.corp.com in',
    },
    { status: 409, actions: ['verify'], code: 'vendor_conflict', hint: 'claimed by another organization' },
    { status: 400, actions: ['claim'], code: 'vendor_bad_request', hint: 'run `verify labs.corp.com in' },
    {
      status: 409,
      actions: ['claim'],
      label: 'claimed elsewhere, with --force',
      code: 'vendor_conflict',
      hint: 'check it in Control Hub',
    },
    { status: 400, actions: ['unclaim'], code: 'vendor_bad_request', hint: 'not a claimed domain' },
    { status: 400, actions: ['unverify'], code: 'vendor_bad_request', hint: 'unclaim it first' },
    { status: 401, code: 'vendor_unauthorized', hint: 'identity:organizations_rw' },
    { status: 403, code: 'vendor_forbidden', hint: 'id_full_admin' },
    {
      status: 404,
      actions: ['verify-token', 'verify', 'claim', 'unclaim'],
      code: 'vendor_not_found',
      hint: 'check orgId and apiUrl',
    },
    { status: 404, actions: ['unverify'], code: 'vendor_not_found', hint: 'is not a domain of organization' },
    {
      status: 409,
      actions: ['unclaim', 'unverify'],
      code: 'vendor_conflict',
      hint: 'check it in Control Hub',
    },
    { status: 423, retryAfter: '1', code: 'vendor_locked', hint: 'try again in 1 s' },
    { status: 429, retryAfter: '1', code: 'vendor_rate_limited', hint: 'try again in 1 s' },
    { status: 500, code: 'vendor_server_error', hint: 'tracking id' },
    {
      status: 502,
      actions: CHANGES,
      code: 'vendor_server_error',
      outcome: 'unknown',
      hint: 'whether the change happened',
    },
    { status: 502, actions: ['verify-token'], code: 'vendor_server_error', hint: 'changes nothing' },
    { status: 503, code: 'vendor_unavailable', hint: 'Webex is busy' },
    {
      status: 504,
      actions: CHANGES,
      code: 'vendor_timeout',
      outcome: 'unknown',
      hint: 'whether the change happened',
    },
    { status: 504, actions: ['verify-token'], code: 'vendor_timeout', hint: 'changes nothing' },
  ],
};
