import { z } from 'zod';
import { duration } from '../core/config/fields.ts';
import { DEFAULT_HTTP_CONNECTIONS } from '../core/config/types.ts';
import type { Modules } from '../core/ports.ts';
import { NAME_PATTERN } from '../core/vocabulary.ts';
import { dnsSchema } from './dns.ts';
import { storeSchema } from './store.ts';

export { EMAIL_PATTERN, NAME_PATTERN } from '../core/vocabulary.ts';

/**
 * A record whose keys must be names; the issue is reported at the offending key. `missing`: what
 * to say when the record is not there at all (or is not a map).
 */
function namedRecord<T extends z.ZodType>(value: T, what: string, missing?: (input: unknown) => string) {
  const params =
    missing === undefined ? undefined : { error: (issue: { input: unknown }) => missing(issue.input) };
  return z.record(z.string(), value, params).superRefine((record, ctx) => {
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

const rule = (actions: readonly string[]) =>
  z.strictObject({
    name: z.string().min(1).optional(),
    actions: z
      .array(z.enum(actions as [string, ...string[]], { error: `actions are: ${actions.join(', ')}` }))
      .min(1),
    domains: z.array(z.string().min(1)).min(1).optional(),
    targets: z.array(z.string().min(1)).min(1).optional(),
    requesters: z.array(principal).min(1, { error: 'name at least one requester' }),
    approval,
    reason: z.enum(['optional', 'required'], { error: 'reason is optional or required' }).optional(),
    notify: z
      .array(z.string().min(1, { error: 'a notify destination cannot be empty' }), {
        error: 'notify is a list of destinations: <platform>:<id>, emails and groups',
      })
      .min(1, { error: 'list at least one destination, or leave notify out' })
      .optional(),
  });

/**
 * The schema of domainops.yaml for a composition: each target is checked by its vendor module's
 * schema, each `chat.<name>` by its platform module's, and rules name the composition's actions.
 */
export function createConfigSchema(modules: Modules, actions: readonly string[]) {
  const vendors = modules.vendors.map((m) => m.vendor);
  const target = z.unknown().transform((value, ctx) => {
    const vendor =
      typeof value === 'object' && value !== null ? (value as { vendor?: unknown }).vendor : undefined;
    const module = modules.vendors.find((m) => m.vendor === vendor);
    if (module === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['vendor'],
        message: `vendor must be one of ${vendors.join(', ')}`,
      });
      return z.NEVER;
    }
    const { vendor: _vendor, ...rest } = value as Record<string, unknown>;
    const parsed = module.targetSchema.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return { vendor: module.vendor, parsed: parsed.data as unknown };
  });
  const chat = z.strictObject(
    Object.fromEntries(
      modules.platforms.flatMap((p) => (p.config ? [[p.name, p.config.schema.optional()] as const] : [])),
    ),
  );
  return z.strictObject({
    store: storeSchema,
    targets: namedRecord(target, 'target', (input) => {
      const vendor = vendors[0] ?? 'vendor';
      const example = `targets: { ${vendor}-prod: { vendor: ${vendor}, … } } (vendors: ${vendors.join(', ')}; see manifest/domainops.example.yaml)`;
      return input === undefined || input === null
        ? `missing: name at least one target, e.g. ${example}`
        : `targets maps target names to their settings, e.g. ${example}`;
    }),
    policy: z
      .strictObject({
        groups: namedRecord(z.array(principal), 'group').default({}),
        rules: z.array(rule(actions)).default([]),
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
        connections: z
          .number({ error: 'connections is a whole number from 1 to 256' })
          .int({ error: 'connections is a whole number from 1 to 256' })
          .min(1, { error: 'connections is a whole number from 1 to 256' })
          .max(256, { error: 'connections is a whole number from 1 to 256' })
          .default(DEFAULT_HTTP_CONNECTIONS),
      })
      .default({
        connectTimeout: 10_000,
        timeout: 30_000,
        retries: 3,
        maxRetryAfter: 60_000,
        connections: DEFAULT_HTTP_CONNECTIONS,
      }),
    dns: dnsSchema,
    batch: z
      .strictObject({
        concurrency: z
          .number({ error: 'concurrency is a whole number from 1 to 16' })
          .int({ error: 'concurrency is a whole number from 1 to 16' })
          .min(1, { error: 'concurrency is a whole number from 1 to 16' })
          .max(16, { error: 'concurrency is a whole number from 1 to 16' })
          .default(4),
        max: z
          .number({ error: 'max is a whole number from 1 to 100' })
          .int({ error: 'max is a whole number from 1 to 100' })
          .min(1, { error: 'max is a whole number from 1 to 100' })
          .max(100, { error: 'max is a whole number from 1 to 100' })
          .default(100),
      })
      .default({ concurrency: 4, max: 100 }),
    chat: chat.default({}),
  });
}

export type RawConfig = z.output<ReturnType<typeof createConfigSchema>>;
