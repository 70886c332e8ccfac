import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `X-Spark-Signature` is the hex HMAC-SHA1 of the raw body with the webhook secret.
 * Compared over the raw bytes, timing-safe: the framework's own check hashes re-serialised JSON.
 */
export function validSparkSignature(
  raw: Buffer,
  header: string | string[] | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const given = header.trim();
  if (!/^[0-9a-f]{40}$/i.test(given)) return false;
  const expected = createHmac('sha1', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
