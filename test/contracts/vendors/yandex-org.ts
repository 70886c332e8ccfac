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
  expected: Pick<DocumentedError, 'code' | 'hint'> & Pick<Partial<DocumentedError>, 'actions' | 'outcome'>,
): DocumentedError => ({
  status,
  label: `gRPC ${code} ${name}`,
  body: JSON.stringify({ code, message: `grpc ${code}`, details: [] }),
  vendorMessage: `grpc ${code}`,
  ...expected,
});

const FEDERATION = 'bpf3crucp1v2abcdefgh';
/** The calls about one domain that read it or only re-check it (dns-check reads it for its record). */
const READS = ['validate', 'domain', 'dns-check'] as const;
/** The calls that change the federation: never repeated once they may have reached Yandex. */
const CHANGES = ['add-domain', 'delete-domain'] as const;

export const contract: VendorContract = {
  vendor: 'yandex',
  target: { federationId: FEDERATION },
  samples: {
    // sso.corp.ru has its DNS record published in the sandbox; abc.com is already valid.
    validate: { subject: 'sso.corp.ru' },
    domain: { subject: 'abc.com' },
    // sso.corp.ru's challenge record is published: every nameserver of the sandbox's DNS serves it.
    'dns-check': { subject: 'sso.corp.ru' },
    // new.corp.ru is not in the sandbox yet; corp.ru is (and not protected: a federation).
    'add-domain': { subject: 'new.corp.ru' },
    'list-domains': { subject: '' },
    'delete-domain': { subject: 'corp.ru' },
  },
  errors: [
    grpc(400, 3, 'INVALID_ARGUMENT', {
      actions: [...READS, ...CHANGES],
      code: 'vendor_bad_request',
      hint: 'check the domain name',
    }),
    grpc(400, 3, 'INVALID_ARGUMENT', {
      actions: ['list-domains'],
      code: 'vendor_bad_request',
      hint: 'check federationId of target contract',
    }),
    grpc(400, 9, 'FAILED_PRECONDITION', {
      actions: READS,
      code: 'vendor_bad_request',
      hint: 'publish the DNS TXT record',
    }),
    grpc(400, 9, 'FAILED_PRECONDITION', {
      actions: ['add-domain'],
      code: 'vendor_bad_request',
      hint: `cannot add new.corp.ru to federation ${FEDERATION} in its current state`,
    }),
    grpc(400, 9, 'FAILED_PRECONDITION', {
      actions: ['delete-domain'],
      code: 'vendor_bad_request',
      hint: 'if the domain is protected from deletion, turn the protection off',
    }),
    grpc(400, 9, 'FAILED_PRECONDITION', {
      actions: ['list-domains'],
      code: 'vendor_bad_request',
      hint: 'cannot list the domains',
    }),
    grpc(401, 16, 'UNAUTHENTICATED', { code: 'vendor_unauthorized', hint: 'IAM token' }),
    grpc(403, 7, 'PERMISSION_DENIED', { code: 'vendor_forbidden', hint: 'grant it a role' }),
    grpc(404, 5, 'NOT_FOUND', {
      actions: READS,
      code: 'vendor_not_found',
      hint: `not added to federation ${FEDERATION} (or the federation does not exist): add it first with \`add-domain`,
    }),
    grpc(404, 5, 'NOT_FOUND', {
      actions: ['add-domain', 'list-domains'],
      code: 'vendor_not_found',
      hint: `federation ${FEDERATION} was not found: check federationId`,
    }),
    grpc(404, 5, 'NOT_FOUND', {
      actions: ['delete-domain'],
      code: 'vendor_not_found',
      hint: 'nothing to delete',
    }),
    grpc(409, 6, 'ALREADY_EXISTS', {
      actions: ['add-domain'],
      code: 'vendor_conflict',
      hint: `new.corp.ru is already added to federation ${FEDERATION}`,
    }),
    grpc(409, 6, 'ALREADY_EXISTS', {
      actions: [...READS, 'delete-domain', 'list-domains'],
      code: 'vendor_conflict',
      hint: 'conflicting state',
    }),
    grpc(409, 10, 'ABORTED', { code: 'vendor_conflict', hint: 'conflicting state' }),
    grpc(429, 8, 'RESOURCE_EXHAUSTED', { code: 'vendor_rate_limited', hint: 'try again later' }),
    grpc(500, 13, 'INTERNAL', { code: 'vendor_server_error', hint: 'try again later' }),
    grpc(503, 14, 'UNAVAILABLE', { code: 'vendor_unavailable', hint: 'try again later' }),
    grpc(504, 4, 'DEADLINE_EXCEEDED', {
      actions: [...READS, 'list-domains'],
      code: 'vendor_timeout',
      hint: 'timed out',
    }),
    // A gateway timeout of a change: Yandex may have acted.
    grpc(504, 4, 'DEADLINE_EXCEEDED', {
      actions: ['add-domain'],
      code: 'vendor_timeout',
      outcome: 'unknown',
      hint: 'new.corp.ru may have been added',
    }),
    grpc(504, 4, 'DEADLINE_EXCEEDED', {
      actions: ['delete-domain'],
      code: 'vendor_timeout',
      outcome: 'unknown',
      hint: 'corp.ru may have been deleted',
    }),
    // Without a body (a proxy in front of Yandex): the code of the HTTP status.
    { status: 401, label: 'no body', code: 'vendor_unauthorized', hint: 'IAM token' },
    { status: 503, label: 'no body', code: 'vendor_unavailable', hint: 'try again later' },
  ],
};
