import type { Vendor } from './types.ts';
import { VendorError } from './vendor-error.ts';

/** A call routed to a target whose vendor cannot run it: a bug upstream, reported before any request. */
export function unsupportedAction(vendor: Vendor, target: string, action: string): VendorError {
  return new VendorError({
    vendor,
    code: 'vendor_bad_request',
    message: `target ${target} (${vendor}) cannot run ${action}`,
    hint: 'run `targets` to see which target runs which action',
  });
}
