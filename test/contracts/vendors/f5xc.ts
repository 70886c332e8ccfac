/**
 * The contract fixture of the F5 Distributed Cloud module. Error statuses: the ones F5
 * Distributed Cloud API, "Assign domain owner" and "Unassign domain owner", declare (401, 403,
 * 404, 409, 429, 500, 503, 504), and no others.
 */
import type { VendorContract } from '../vendor.ts';

export const contract: VendorContract = {
  vendor: 'f5xc',
  target: {},
  samples: {
    // A user of the sandbox tenant who is not a domain owner yet.
    'assign-owner': { subject: 'carol@corp.com' },
    // A domain owner of the sandbox tenant.
    'unassign-owner': { subject: 'dave@corp.com' },
  },
  errors: [
    { status: 401, code: 'vendor_unauthorized', hint: 'API token' },
    { status: 403, code: 'vendor_forbidden', hint: 'must itself be a domain owner' },
    {
      status: 404,
      code: 'vendor_not_found',
      hint: 'no user carol@corp.com in this tenant: check the address; a new user must be added to the tenant',
      actions: ['assign-owner'],
    },
    { status: 404, code: 'vendor_not_found', hint: 'no user dave@corp.com', actions: ['unassign-owner'] },
    {
      status: 409,
      code: 'vendor_conflict',
      hint: 'carol@corp.com is probably a domain owner already',
      actions: ['assign-owner'],
    },
    {
      status: 409,
      code: 'vendor_conflict',
      hint: 'probably not a domain owner',
      actions: ['unassign-owner'],
    },
    { status: 429, code: 'vendor_rate_limited', hint: 'F5 XC is busy' },
    { status: 500, code: 'vendor_server_error', hint: 'internal error' },
    { status: 503, code: 'vendor_unavailable', hint: 'F5 XC is busy' },
    {
      status: 504,
      code: 'vendor_timeout',
      outcome: 'unknown',
      hint: 'whether carol@corp.com became a domain owner',
      actions: ['assign-owner'],
    },
    {
      status: 504,
      code: 'vendor_timeout',
      outcome: 'unknown',
      hint: 'whether the owner was removed',
      actions: ['unassign-owner'],
    },
  ],
};
