import type { HttpResponse } from '../http.ts';
import { codeForStatus, isRecord, outcomeForStatus, tryJson } from '../response.ts';
import { VendorError, type VendorErrorCode } from '../vendor-error.ts';
import type { YandexTarget } from './target.ts';

/** `google.rpc.Status` as Yandex sends it in error bodies and in a failed Operation's `error`. */
export interface RpcStatus {
  code?: number;
  message?: string;
  details?: unknown[];
}

/** google.rpc.Code → our code (vendor-apis.md lists the HTTP status of each). */
const GRPC_CODES: Readonly<Record<number, VendorErrorCode>> = {
  3: 'vendor_bad_request', // INVALID_ARGUMENT
  4: 'vendor_timeout', // DEADLINE_EXCEEDED
  5: 'vendor_not_found', // NOT_FOUND
  6: 'vendor_conflict', // ALREADY_EXISTS
  7: 'vendor_forbidden', // PERMISSION_DENIED
  8: 'vendor_rate_limited', // RESOURCE_EXHAUSTED
  9: 'vendor_bad_request', // FAILED_PRECONDITION
  10: 'vendor_conflict', // ABORTED
  13: 'vendor_server_error', // INTERNAL
  14: 'vendor_unavailable', // UNAVAILABLE
  16: 'vendor_unauthorized', // UNAUTHENTICATED
};

export function scopeLabel(target: YandexTarget): string {
  return `${target.scope.kind} ${target.scope.id}`;
}

/** What was asked of Yandex, for hints: the action and its domain (empty for `list-domains`). */
export interface HintContext {
  action: string;
  domain: string;
  target: YandexTarget;
}

/**
 * What the person in chat should do for a gRPC code (google.rpc.Code in googleapis
 * `google/rpc/code.proto`), for the action that got it.
 */
export function yandexHint(code: number | undefined, context: HintContext): string | undefined {
  const { action, domain, target } = context;
  const scope = scopeLabel(target);
  const ids = `${target.scope.kind === 'federation' ? 'federationId' : 'userpoolId'} of target ${target.name}`;
  switch (code) {
    case 3:
      return action === 'list-domains'
        ? `Yandex found the request invalid: check ${ids}`
        : 'Yandex found the request invalid: check the domain name';
    case 4:
      if (action === 'add-domain')
        return `Yandex timed out: ${domain} may have been added; run \`domain ${domain}\` before trying again`;
      if (action === 'delete-domain')
        return `Yandex timed out: ${domain} may have been deleted; run \`domain ${domain}\` before trying again`;
      return action === 'list-domains'
        ? 'Yandex timed out: try again'
        : `Yandex timed out: try again; run \`domain ${domain}\` to see the current state`;
    case 5:
      if (action === 'add-domain' || action === 'list-domains')
        return `the ${target.scope.kind} ${target.scope.id} was not found: check ${ids}`;
      if (action === 'delete-domain')
        return `${domain} is not a domain of ${scope} (or the ${target.scope.kind} does not exist): nothing to delete; run \`list-domains\` to see its domains`;
      return `${domain} is not added to ${scope} (or the ${target.scope.kind} does not exist): add it first with \`add-domain ${domain}\``;
    case 6:
    case 10:
      if (action === 'add-domain' && code === 6)
        return `${domain} is already added to ${scope}: run \`domain ${domain}\` to see its status and DNS record`;
      return action === 'list-domains'
        ? `the domains of ${scope} are in a conflicting state (changing while Yandex listed them?): try again`
        : `${domain} is in a conflicting state in ${scope}: run \`domain ${domain}\` and try again`;
    case 7:
      return `the account behind the IAM token may not manage domains of ${scope}: grant it a role on the organization`;
    case 8:
      return 'Yandex quota or rate limit reached: try again later';
    case 9:
      // FAILED_PRECONDITION: "the system is not in a state required for the operation's execution".
      if (action === 'add-domain')
        return `Yandex cannot add ${domain} to ${scope} in its current state (for example while it is still being deleted): run \`domain ${domain}\` and try again later`;
      if (action === 'delete-domain')
        return `Yandex refuses to delete ${domain} from ${scope} in its current state: if the domain is protected from deletion, turn the protection off in the Yandex Cloud console first; run \`domain ${domain}\` to see its state`;
      if (action === 'list-domains') return `Yandex cannot list the domains of ${scope} now: try again later`;
      return `${domain} cannot be validated yet: publish the DNS TXT record shown by \`domain ${domain}\`, wait for DNS, then run validate again`;
    case 13:
    case 14:
      return 'Yandex is unavailable: try again later';
    case 16:
      return 'the IAM token is invalid or expired: renew it, or configure a service account key for automatic renewal';
    default:
      return undefined;
  }
}

/** The gRPC code an HTTP status stands for when the body has none. */
const STATUS_GRPC: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  500: 13,
  503: 14,
  504: 4,
};

export function parseRpcStatus(value: unknown): RpcStatus | undefined {
  if (!isRecord(value)) return undefined;
  const out: RpcStatus = {};
  if (typeof value.code === 'number') out.code = value.code;
  if (typeof value.message === 'string') out.message = value.message;
  if (Array.isArray(value.details)) out.details = value.details;
  return out;
}

export function codeForGrpc(code: number | undefined): VendorErrorCode | undefined {
  return code === undefined ? undefined : GRPC_CODES[code];
}

/** The VendorError for a Yandex error response (`{code, message, details}`, `x-request-id` header). */
export function yandexError(
  response: HttpResponse,
  context: { action: string; domain: string; target: YandexTarget; idempotent: boolean },
): VendorError {
  const status = parseRpcStatus(tryJson(response.body));
  const grpc = status?.code ?? STATUS_GRPC[response.status];
  const vendorMessage = status?.message;
  const hint = yandexHint(grpc, context);
  const requestId = response.headers['x-request-id'];
  return new VendorError({
    vendor: 'yandex',
    code: codeForGrpc(status?.code) ?? codeForStatus(response.status),
    message: `Yandex refused ${context.domain === '' ? context.action : `${context.action} ${context.domain}`} (${response.status})${vendorMessage ? `: ${vendorMessage}` : ''}`,
    status: response.status,
    request: response.request,
    outcome: outcomeForStatus(response.status, context.idempotent),
    ...(hint === undefined ? {} : { hint }),
    ...(vendorMessage === undefined ? {} : { vendorMessage }),
    ...(requestId === undefined ? {} : { requestId }),
  });
}
