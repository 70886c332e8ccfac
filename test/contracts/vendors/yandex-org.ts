/**
 * The contract fixture of the Yandex Cloud Organization Manager module. Errors are
 * `google.rpc.Status` bodies with the HTTP status of their code ("HTTP Mapping" in googleapis
 * `google/rpc/code.proto`), as the Yandex Cloud API reference documents them.
 */
import type { DocumentedError, VendorContract } from '../vendor.ts';

/** An error answer whose body carries gRPC `code` (`name` for the test name). */
const grpc = (
  status: number,
  code: number,
  name: string,
  expected: Pick<DocumentedError, 'code' | 'hint'>,
): DocumentedError => ({
  status,
  label: `gRPC ${code} ${name}`,
  body: JSON.stringify({ code, message: `grpc ${code}`, details: [] }),
  vendorMessage: `grpc ${code}`,
  ...expected,
});

export const contract: VendorContract = {
  vendor: 'yandex',
  target: { federationId: 'bpf3crucp1v2abcdefgh' },
  samples: {
    // sso.corp.ru has its DNS record published in the sandbox; abc.com is already valid.
    validate: { subject: 'sso.corp.ru' },
    domain: { subject: 'abc.com' },
  },
  errors: [
    grpc(400, 3, 'INVALID_ARGUMENT', { code: 'vendor_bad_request', hint: 'check the domain name' }),
    grpc(400, 9, 'FAILED_PRECONDITION', { code: 'vendor_bad_request', hint: 'publish the DNS TXT record' }),
    grpc(401, 16, 'UNAUTHENTICATED', { code: 'vendor_unauthorized', hint: 'IAM token' }),
    grpc(403, 7, 'PERMISSION_DENIED', { code: 'vendor_forbidden', hint: 'grant it a role' }),
    grpc(404, 5, 'NOT_FOUND', {
      code: 'vendor_not_found',
      hint: 'not added to federation bpf3crucp1v2abcdefgh',
    }),
    grpc(409, 6, 'ALREADY_EXISTS', { code: 'vendor_conflict', hint: 'conflicting state' }),
    grpc(409, 10, 'ABORTED', { code: 'vendor_conflict', hint: 'conflicting state' }),
    grpc(429, 8, 'RESOURCE_EXHAUSTED', { code: 'vendor_rate_limited', hint: 'try again later' }),
    grpc(500, 13, 'INTERNAL', { code: 'vendor_server_error', hint: 'try again later' }),
    grpc(503, 14, 'UNAVAILABLE', { code: 'vendor_unavailable', hint: 'try again later' }),
    grpc(504, 4, 'DEADLINE_EXCEEDED', { code: 'vendor_timeout', hint: 'timed out' }),
    // Without a body (a proxy in front of Yandex): the code of the HTTP status.
    { status: 401, label: 'no body', code: 'vendor_unauthorized', hint: 'IAM token' },
    { status: 503, label: 'no body', code: 'vendor_unavailable', hint: 'try again later' },
  ],
};
