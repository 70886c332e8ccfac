import type { PreparedRequest, RedactedRequest } from './types.ts';

export const REDACTED = '[REDACTED]';

/** Headers whose value is a credential. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** Form fields and JSON members that carry a credential (OAuth, IAM exchange, key files). */
const SECRET_FIELDS = new Set([
  'access_token',
  'refresh_token',
  'client_secret',
  'client_assertion',
  'assertion',
  'code',
  'password',
  'jwt',
  'iamtoken',
  'token',
  'private_key',
  'privatekey',
]);

/** `Bearer abc` → `Bearer [REDACTED]`; a value without a scheme becomes `[REDACTED]`. */
function redactHeaderValue(value: string): string {
  const match = /^([A-Za-z][A-Za-z0-9_-]*)\s+\S/.exec(value);
  return match ? `${match[1]} ${REDACTED}` : REDACTED;
}

function redactForm(body: string): string {
  return body
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const name = decodeURIComponent(key.replace(/\+/g, ' ')).toLowerCase();
      return SECRET_FIELDS.has(name) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
}

function redactJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJsonValue);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELDS.has(k.toLowerCase()) ? REDACTED : redactJsonValue(v);
  }
  return out;
}

function redactBody(body: string, contentType: string): string {
  if (contentType.includes('application/x-www-form-urlencoded')) return redactForm(body);
  if (contentType.includes('json')) {
    try {
      return JSON.stringify(redactJsonValue(JSON.parse(body)));
    } catch {
      return REDACTED;
    }
  }
  // A body we cannot read field by field is dropped rather than risked.
  return REDACTED;
}

/**
 * The request as it may be shown: credential headers keep their scheme only, credential form
 * fields and JSON members become `[REDACTED]`; `sensitiveBody` (token requests) drops the body.
 */
export function redactRequest(
  request: PreparedRequest,
  options: { sensitiveBody?: boolean } = {},
): RedactedRequest {
  const headers: Record<string, string> = {};
  let contentType = '';
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = value.toLowerCase();
    headers[name] = SECRET_HEADERS.has(lower) ? redactHeaderValue(value) : value;
  }
  const out: RedactedRequest = { method: request.method, url: request.url, headers };
  if (request.body !== undefined) {
    out.body = options.sensitiveBody ? REDACTED : redactBody(request.body, contentType);
  }
  return out;
}
