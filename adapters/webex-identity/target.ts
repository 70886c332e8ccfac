import { z } from 'zod';
import { httpsUrl, secretRef } from '../../src/core/config/fields.ts';
import type { Secret } from '../../src/core/config/secret.ts';
import type { SecretFactory } from '../../src/core/ports.ts';

/** A configured target of this vendor. */
export interface WebexTarget {
  name: string;
  vendor: 'webex';
  orgId: string;
  /** Base URL including `/v1`, no trailing slash. */
  apiUrl: string;
  auth:
    | { kind: 'accessToken'; accessToken: Secret }
    | {
        kind: 'refreshToken';
        clientId: string;
        clientSecret: Secret;
        refreshToken: Secret;
        tokenUrl: string;
      };
}

const auth = z.union(
  [
    z.strictObject({ accessToken: secretRef }),
    z.strictObject({
      clientId: z.string().min(1),
      clientSecret: secretRef,
      refreshToken: secretRef,
      tokenUrl: httpsUrl.default('https://webexapis.com/v1/access_token'),
    }),
  ],
  { error: 'auth needs either { accessToken } or { clientId, clientSecret, refreshToken[, tokenUrl] }' },
);

/** A Webex Identity target in domainops.yaml (`vendor: webex` is checked by the composition). */
export const webexTargetSchema = z.strictObject({
  orgId: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_=:/+-]+$/, { error: 'expected a Webex organization id' }),
  apiUrl: httpsUrl.default('https://webexapis.com/v1'),
  auth,
});

export function buildWebexTarget(name: string, parsed: unknown, secret: SecretFactory): WebexTarget {
  const t = parsed as z.output<typeof webexTargetSchema>;
  const at = `targets.${name}.auth`;
  const a = t.auth;
  return {
    name,
    vendor: 'webex',
    orgId: t.orgId,
    apiUrl: t.apiUrl,
    auth:
      'accessToken' in a
        ? { kind: 'accessToken', accessToken: secret(a.accessToken, `${at}.accessToken`) }
        : {
            kind: 'refreshToken',
            clientId: a.clientId,
            clientSecret: secret(a.clientSecret, `${at}.clientSecret`),
            refreshToken: secret(a.refreshToken, `${at}.refreshToken`),
            tokenUrl: a.tokenUrl,
          },
  };
}

export function webexLabel(target: WebexTarget): string {
  return `${target.name} (Webex org ${target.orgId})`;
}

export function webexReference(target: WebexTarget): string {
  return `org ${target.orgId}`;
}

export function webexUrls(target: WebexTarget): [string, string][] {
  const at = `targets.${target.name}`;
  return [
    [`${at}.apiUrl`, target.apiUrl],
    ...(target.auth.kind === 'refreshToken'
      ? [[`${at}.auth.tokenUrl`, target.auth.tokenUrl] as [string, string]]
      : []),
  ];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The identity API takes the identity-assigned organization UUID. The ids of `GET
 * /v1/organizations` are base64 of `ciscospark://<region>/ORGANIZATION/<uuid>`; when orgId is
 * one of those, the note names the UUID inside it.
 */
export function webexNotes(target: WebexTarget): string[] {
  if (UUID.test(target.orgId)) return [];
  const decoded = Buffer.from(target.orgId, 'base64').toString('latin1');
  const inner = /^ciscospark:\/\/[^/]+\/ORGANIZATION\/([0-9a-f-]{36})$/i.exec(decoded)?.[1];
  const use = inner !== undefined && UUID.test(inner) ? `use ${inner}` : 'use the UUID shown in Control Hub';
  return [
    `targets.${target.name}.orgId is not a UUID: the identity API wants the identity-assigned organization UUID (the base64 ids of /v1/organizations fail with 404); ${use}`,
  ];
}
