/**
 * The logger is the last line of defence: whatever carries a secret the process knows, or a
 * credential shape, into a log call (a field, the message, format arguments, an error, its
 * cause or stack), the line written has it replaced and is still one JSON document.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/config/secret.ts';
import { createLogger } from '../../src/server/logger.ts';

const SECRET = 'logger-secret-"9z/+';
const { privateKey: PEM } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function captured() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ stream, level: 'debug' }), lines };
}

describe('the logger scrubs every line', () => {
  it('of revealed secrets and credential shapes, in fields, messages, errors, causes and stacks', () => {
    new Secret('env:LOG_SECRET', 'chat.slack.botToken', '/tmp', { LOG_SECRET: SECRET }).reveal();
    const { logger, lines } = captured();
    const cause = new Error(`upstream echoed ${SECRET} and Bearer abcdef123456`);
    const err = new Error(`outer ${SECRET}`, { cause });
    logger.error(
      { err, detail: { note: SECRET, header: 'APIToken Zm9vYmFyYmF6cXV4', key: PEM } },
      `vendor said ${SECRET}`,
    );
    logger.warn('format %s and %j', SECRET, { slack: 'xoxb-1234-5678-abcdefABCDEF' });
    logger.info({ [SECRET]: 1, encoded: encodeURIComponent(SECRET) }, 'member names too');

    expect(lines).toHaveLength(3);
    const all = lines.join('\n');
    for (const leaked of [
      SECRET,
      JSON.stringify(SECRET).slice(1, -1),
      encodeURIComponent(SECRET),
      'abcdef123456',
      'Zm9vYmFyYmF6cXV4',
      'xoxb-1234',
      'PRIVATE KEY',
      PEM.split('\n')[3]!,
    ]) {
      expect(all).not.toContain(leaked);
    }
    const first = JSON.parse(lines[0]!) as { msg: string; err: { message: string; stack: string } };
    expect(first.msg).toBe('vendor said [REDACTED]');
    expect(first.err.message).toContain('outer [REDACTED]');
    expect(first.err.stack).toContain('upstream echoed [REDACTED] and Bearer [REDACTED]');
    expect(JSON.parse(lines[1]!).msg).toBe('format [REDACTED] and {"slack":"[REDACTED]"}');
    expect(JSON.parse(lines[2]!)).toMatchObject({ '[REDACTED]': 1, encoded: '[REDACTED]' });
  });

  it('keeps the known secret fields redacted by name as well', () => {
    const { logger, lines } = captured();
    logger.info({ passphrase: 'unregistered-pass', auth: { clientSecret: 'unregistered-cs' } }, 'config');
    expect(lines[0]).not.toContain('unregistered');
  });
});
