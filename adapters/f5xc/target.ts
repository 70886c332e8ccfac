import { z } from 'zod';
import { httpsUrl, secretRef } from '../../src/core/config/fields.ts';
import type { Secret } from '../../src/core/config/secret.ts';
import type { SecretFactory } from '../../src/core/ports.ts';

/** A configured target of this vendor. */
export interface F5Target {
  name: string;
  vendor: 'f5xc';
  /** `https://<tenant>.console.ves.volterra.io`, no trailing slash. */
  tenantUrl: string;
  auth: { kind: 'apiToken'; apiToken: Secret } | { kind: 'p12'; p12: Secret; passphrase: Secret };
}

/** An F5 Distributed Cloud tenant in domainops.yaml. */
export const f5TargetSchema = z
  .strictObject({
    tenantUrl: httpsUrl,
    auth: z.union(
      [z.strictObject({ apiToken: secretRef }), z.strictObject({ p12: secretRef, passphrase: secretRef })],
      { error: 'auth needs either { apiToken } or { p12: file:PATH, passphrase }' },
    ),
  })
  .superRefine((t, ctx) => {
    if ('p12' in t.auth && !t.auth.p12.startsWith('file:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'p12'],
        message: 'a P12 certificate is read from a file: use file:PATH',
      });
    }
  });

export function buildF5Target(name: string, parsed: unknown, secret: SecretFactory): F5Target {
  const t = parsed as z.output<typeof f5TargetSchema>;
  const at = `targets.${name}.auth`;
  const a = t.auth;
  return {
    name,
    vendor: 'f5xc',
    tenantUrl: t.tenantUrl,
    auth:
      'apiToken' in a
        ? { kind: 'apiToken', apiToken: secret(a.apiToken, `${at}.apiToken`) }
        : {
            kind: 'p12',
            p12: secret(a.p12, `${at}.p12`),
            passphrase: secret(a.passphrase, `${at}.passphrase`),
          },
  };
}

export function f5Label(target: F5Target): string {
  return `${target.name} (F5 XC tenant ${new URL(target.tenantUrl).host})`;
}

export function f5Reference(target: F5Target): string {
  return `tenant ${new URL(target.tenantUrl).host}`;
}

export function f5Urls(target: F5Target): [string, string][] {
  return [[`targets.${target.name}.tenantUrl`, target.tenantUrl]];
}
