/**
 * `POST /slack/events` (HTTP mode on the shared server): a body over 1 MB is answered 413 and not
 * read further; a verified body that is not the expected JSON object gets 400. Real connections
 * on 127.0.0.1 through the real runtime.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { SLACK_MAX_BODY } from '../../../src/platforms/slack/http-receiver.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { post, serverSockets } from '../../server/raw-client.ts';
import {
  BOT_TOKEN,
  type Delivery,
  deliver,
  json,
  ORG,
  sign,
  slackConfig,
  startSlackRuntime,
  USERS,
} from './helpers.ts';

/** What the server may read past the limit before it stops: socket reads already under way. */
const SLACK_READ = 256 * 1024;

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
let sockets: Map<number, Socket>;
const logLines: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'http'), logLines);
  sockets = serverSockets(runtime.server.server);
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

const form = (fields: Record<string, string>): Delivery => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
});
const rawJson = (body: string): Delivery => ({ body, contentType: 'application/json' });

describe('Slack HTTP mode body limit', () => {
  it('answers a never-ending chunked body 413 before the signature check, and stops reading', async () => {
    const from = slack.calls.length;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const seen = await post(
      runtime.url,
      '/slack/events',
      {
        'content-type': 'application/json',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': 'v0=00',
      },
      'endless',
    );
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.body).toContain(`request body too large: send at most ${SLACK_MAX_BODY} bytes`);
    const consumed = sockets.get(seen.port)!.bytesRead;
    expect(consumed).toBeGreaterThan(SLACK_MAX_BODY);
    expect(consumed).toBeLessThan(SLACK_MAX_BODY + SLACK_READ);
    expect(logLines.join('\n')).not.toContain('failed verification');
    expect(slack.calls.slice(from)).toHaveLength(0);
  });

  it('answers a Content-Length over 1 MB 413 at once, without reading the body', async () => {
    const seen = await post(
      runtime.url,
      '/slack/events',
      { 'content-type': 'application/json', 'content-length': String(SLACK_MAX_BODY + 1) },
      'none',
    );
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.ended).toBe('close');
  });

  it('gives node:http a readable 413 for a signed body one byte over 1 MB (no reset instead)', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c', pad: '' }).replace(
      '"pad":""',
      `"pad":"${'x'.repeat(SLACK_MAX_BODY)}"`,
    );
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${runtime.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': sign(body, timestamp),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer).toEqual({
      status: 413,
      text: `request body too large: send at most ${SLACK_MAX_BODY} bytes\n`,
    });
  });

  it('takes a signed body of exactly 1 MB', async () => {
    const shell = JSON.stringify({ type: 'url_verification', challenge: 'c-1mb', pad: '' });
    const body = shell.replace(
      '"pad":""',
      `"pad":"${'x'.repeat(SLACK_MAX_BODY - Buffer.byteLength(shell))}"`,
    );
    expect(Buffer.byteLength(body)).toBe(SLACK_MAX_BODY);
    const res = await deliver(runtime.url, rawJson(body));
    expect(res.status).toBe(200);
    expect(res.text).toContain('c-1mb');
  });
});

describe('Slack HTTP mode bodies that are not a JSON object', () => {
  const cases: [string, Delivery][] = [
    ['JSON null', rawJson('null')],
    ['a JSON number', rawJson('42')],
    ['a JSON string', rawJson('"url_verification"')],
    ['a JSON array', rawJson('[{"type":"url_verification","challenge":"c"}]')],
    ['JSON true', rawJson('true')],
    ['a form whose payload is null', form({ payload: 'null' })],
    ['a form whose payload is a number', form({ payload: '7' })],
    ['a form whose payload is an array', form({ payload: '[]' })],
    ['a form whose payload is a string', form({ payload: '"block_actions"' })],
    ['a form whose payload is not JSON', form({ payload: '{' })],
    ['JSON that does not parse', rawJson('{"type":')],
  ];

  it.each(cases)('answers a signed body of %s 400, and processes nothing', async (_name, delivery) => {
    const from = slack.calls.length;
    const logged = logLines.length;
    const res = await deliver(runtime.url, delivery);
    expect(res.status).toBe(400);
    expect(res.text).toContain('malformed body');
    expect(slack.calls.slice(from)).toHaveLength(0);
    expect(logLines.slice(logged).join('\n')).not.toContain('Slack event processing failed');
  });

  it('answers an unsigned null 401: the signature comes first', async () => {
    expect((await deliver(runtime.url, json(null), { signature: 'v0=00' })).status).toBe(401);
  });
});
