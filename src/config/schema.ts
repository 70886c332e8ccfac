import { z } from 'zod';
import { ACTIONS } from '../commands/model.ts';
import { parseDuration } from './duration.ts';
import { SECRET_REF } from './secret.ts';

/** The F5 XC email pattern (vendor contract); also what we accept as a principal email. */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
/** Target and group names: what can be typed after `in` and read in a rule. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const secretRef = z
  .string({ error: 'expected a secret reference such as env:NAME or file:PATH' })
  .regex(SECRET_REF, {
    error: 'secrets are never written inline: use env:NAME (an environment variable) or file:PATH',
  });

const httpsUrl = z
  .string({ error: 'expected a URL' })
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: 'expected an http(s) URL',
  })
  .transform((v) => v.replace(/\/+$/, ''));

const duration = z
  .union([z.string(), z.number().int().positive()], { error: 'expected a duration such as 30s, 30m or 1h' })
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration: write e.g. 500ms, 30s, 30m, 1h` });
      return z.NEVER;
    }
    return ms;
  });

const yandexId = z.string().min(1).max(50, { error: 'Yandex ids are at most 50 characters' });

const webexAuth = z.union(
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

const webexTarget = z.strictObject({
  vendor: z.literal('webex'),
  orgId: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_=:/+-]+$/, { error: 'expected a Webex organization id' }),
  apiUrl: httpsUrl.default('https://webexapis.com/v1'),
  auth: webexAuth,
});

const f5Target = z.strictObject({
  vendor: z.literal('f5xc'),
  tenantUrl: httpsUrl,
  auth: z.union(
    [z.strictObject({ apiToken: secretRef }), z.strictObject({ p12: secretRef, passphrase: secretRef })],
    { error: 'auth needs either { apiToken } or { p12: file:PATH, passphrase }' },
  ),
});

const yandexTarget = z
  .strictObject({
    vendor: z.literal('yandex'),
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

const target = z.discriminatedUnion('vendor', [webexTarget, f5Target, yandexTarget], {
  error: 'vendor must be one of webex, f5xc, yandex',
});

/** A record whose keys must be names; the issue is reported at the offending key. */
function namedRecord<T extends z.ZodType>(value: T, what: string) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!NAME_PATTERN.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${what} names are lower case letters, digits, - and _ (at most 63 characters)`,
        });
      }
    }
  });
}

const principal = z.string().min(1, { error: 'a principal cannot be empty' });

const approvalObject = z.strictObject({
  approvers: z.array(principal).min(1, { error: 'name at least one approver' }),
  count: z.number().int().min(1).default(1),
  expires: duration.default(30 * 60_000),
});

// Not a z.union: a union cannot tell which branch the user meant, and would hide the
// inner error ("\"soon\" is not a duration") behind a generic one.
const approval = z.unknown().transform((value, ctx) => {
  if (value === 'none') return 'none' as const;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'approval is `none` or { approvers: [...], count, expires }' });
    return z.NEVER;
  }
  const parsed = approvalObject.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    return z.NEVER;
  }
  return parsed.data;
});

const rule = z.strictObject({
  name: z.string().min(1).optional(),
  actions: z
    .array(z.enum(ACTIONS as [string, ...string[]], { error: `actions are: ${ACTIONS.join(', ')}` }))
    .min(1),
  domains: z.array(z.string().min(1)).min(1).optional(),
  targets: z.array(z.string().min(1)).min(1).optional(),
  requesters: z.array(principal).min(1, { error: 'name at least one requester' }),
  approval,
});

const chatSlack = z.strictObject({
  botToken: secretRef,
  signingSecret: secretRef.optional(),
  appToken: secretRef.optional(),
  command: z
    .string()
    .regex(/^\/[a-z0-9_-]{1,31}$/, { error: 'a slash command such as /domainops' })
    .default('/domainops'),
  apiUrl: httpsUrl.default('https://slack.com/api').transform((v) => `${v}/`),
});

const chatWebex = z.strictObject({
  botToken: secretRef,
  webhookUrl: httpsUrl.optional(),
  webhookSecret: secretRef.optional(),
  apiUrl: httpsUrl.default('https://webexapis.com/v1'),
});

export const configSchema = z.strictObject({
  store: z.string().min(1).default('./data/domainops.db'),
  targets: namedRecord(target, 'target'),
  policy: z
    .strictObject({
      groups: namedRecord(z.array(principal), 'group').default({}),
      rules: z.array(rule).default([]),
    })
    .default({ groups: {}, rules: [] }),
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(3000),
    })
    .default({ host: '127.0.0.1', port: 3000 }),
  http: z
    .strictObject({
      connectTimeout: duration.default(10_000),
      timeout: duration.default(30_000),
      retries: z.number().int().min(0).max(10).default(3),
      maxRetryAfter: duration.default(60_000),
    })
    .default({ connectTimeout: 10_000, timeout: 30_000, retries: 3, maxRetryAfter: 60_000 }),
  chat: z.strictObject({ slack: chatSlack.optional(), webex: chatWebex.optional() }).default({}),
});

export type RawConfig = z.output<typeof configSchema>;
