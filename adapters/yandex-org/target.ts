import { z } from 'zod';
import { duration, httpsUrl, secretRef } from '../../src/core/config/fields.ts';
import type { Secret } from '../../src/core/config/secret.ts';
import type { SecretFactory } from '../../src/core/ports.ts';

/** A configured target of this vendor. */
export interface YandexTarget {
  name: string;
  vendor: 'yandex';
  /** A SAML federation or an IdP userpool: the same domain methods under different paths. */
  scope: { kind: 'federation'; id: string } | { kind: 'userpool'; id: string };
  apiUrl: string;
  operationUrl: string;
  operationPoll: { interval: number; maxInterval: number; timeout: number };
  auth:
    | { kind: 'iamToken'; iamToken: Secret }
    | {
        kind: 'serviceAccountKey';
        serviceAccountKey: Secret;
        iamUrl: string;
        /** The JWT `aud`; when not set, derived from `iamUrl` (auth.ts). */
        audience?: string;
      };
}

const yandexId = z.string().min(1).max(50, { error: 'Yandex ids are at most 50 characters' });

/** A Yandex Cloud Organization Manager federation or userpool in domainops.yaml. */
export const yandexTargetSchema = z
  .strictObject({
    federationId: yandexId.optional(),
    userpoolId: yandexId.optional(),
    apiUrl: httpsUrl.default('https://organization-manager.api.cloud.yandex.net/organization-manager/v1'),
    operationUrl: httpsUrl.default('https://operation.api.cloud.yandex.net'),
    operationPoll: z
      .strictObject({
        interval: duration.default(1000),
        maxInterval: duration.default(10_000),
        timeout: duration.default(120_000),
      })
      .default({ interval: 1000, maxInterval: 10_000, timeout: 120_000 }),
    auth: z.union(
      [
        z.strictObject({ iamToken: secretRef }),
        z.strictObject({
          serviceAccountKey: secretRef,
          iamUrl: httpsUrl.default('https://iam.api.cloud.yandex.net/iam/v1/tokens'),
          // The JWT's `aud`; when not set it is iamUrl, the token endpoint's own URL.
          audience: z.url({ error: 'expected a URL' }).optional(),
        }),
      ],
      { error: 'auth needs either { iamToken } or { serviceAccountKey: file:PATH[, iamUrl] }' },
    ),
  })
  .refine((t) => (t.federationId === undefined) !== (t.userpoolId === undefined), {
    error: 'a yandex target needs exactly one of federationId or userpoolId',
  });

export function buildYandexTarget(name: string, parsed: unknown, secret: SecretFactory): YandexTarget {
  const t = parsed as z.output<typeof yandexTargetSchema>;
  const at = `targets.${name}.auth`;
  const a = t.auth;
  return {
    name,
    vendor: 'yandex',
    scope:
      t.federationId !== undefined
        ? { kind: 'federation', id: t.federationId }
        : { kind: 'userpool', id: t.userpoolId! },
    apiUrl: t.apiUrl,
    operationUrl: t.operationUrl,
    operationPoll: t.operationPoll,
    auth:
      'iamToken' in a
        ? { kind: 'iamToken', iamToken: secret(a.iamToken, `${at}.iamToken`) }
        : {
            kind: 'serviceAccountKey',
            serviceAccountKey: secret(a.serviceAccountKey, `${at}.serviceAccountKey`),
            iamUrl: a.iamUrl,
            ...(a.audience === undefined ? {} : { audience: a.audience }),
          },
  };
}

export function yandexLabel(target: YandexTarget): string {
  return `${target.name} (Yandex ${target.scope.kind} ${target.scope.id})`;
}

export function yandexReference(target: YandexTarget): string {
  return `${target.scope.kind} ${target.scope.id}`;
}

export function yandexUrls(target: YandexTarget): [string, string][] {
  const at = `targets.${target.name}`;
  return [
    [`${at}.apiUrl`, target.apiUrl],
    [`${at}.operationUrl`, target.operationUrl],
    ...(target.auth.kind === 'serviceAccountKey'
      ? [[`${at}.auth.iamUrl`, target.auth.iamUrl] as [string, string]]
      : []),
  ];
}
