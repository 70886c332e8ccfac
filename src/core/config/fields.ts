import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** `env:NAME` or `file:PATH`: how every secret is written in domainops.yaml. */
export const SECRET_REF = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

/** A secret reference; a value written inline is refused. */
export const secretRef = z
  .string({ error: 'expected a secret reference such as env:NAME or file:PATH' })
  .regex(SECRET_REF, {
    error: 'secrets are never written inline: use env:NAME (an environment variable) or file:PATH',
  });

/** An http(s) URL without trailing slashes. */
export const httpsUrl = z
  .string({ error: 'expected a URL' })
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: 'expected an http(s) URL',
  })
  .transform((v) => v.replace(/\/+$/, ''));

/**
 * A duration (`500ms`, `30s`, `1h30m`) in milliseconds. A bare number is refused: `timeout: 3`
 * could mean 3 s or 3 ms, and a guess either way is silently wrong for someone.
 */
export const duration = z
  .union([z.string(), z.number()], { error: 'expected a duration such as 30s, 30m or 1h' })
  .transform((v, ctx) => {
    if (typeof v === 'number') {
      ctx.addIssue({
        code: 'custom',
        message: `${v} has no unit: write e.g. ${v}s for seconds or ${v}ms for milliseconds (units: ms, s, m, h, d)`,
      });
      return z.NEVER;
    }
    const ms = parseDuration(v);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration: write e.g. 500ms, 30s, 30m, 1h` });
      return z.NEVER;
    }
    return ms;
  });
