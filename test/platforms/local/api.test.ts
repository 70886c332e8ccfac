import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../../../src/core/grammar/parse.ts';
import { MAX_BODY_BYTES } from '../../../src/platforms/local/http.ts';
import { type Playground, post, startPlayground } from './helpers.ts';

/** A GET with a chosen Host header (fetch does not let a script set Host). */
async function getWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return (await requestWithHost(url, host, headers)).status;
}

/** A request with a chosen Host header: its status and body. */
function requestWithHost(
  url: string,
  host: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify({ as: 'alice@corp.com', text: 'help' }) : undefined);
  });
}

describe('playground on the sandbox, on loopback', () => {
  let pg: Playground;
  beforeAll(async () => {
    pg = await startPlayground();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(`${pg.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    const bundle = await fetch(`${pg.url}/static/adaptivecards.min.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${pg.url}/static/../package.json`)).status).toBe(404);
  });

  it('offers the policy people and an outsider', async () => {
    const session = (await (await fetch(`${pg.url}/api/session`)).json()) as Record<string, unknown>;
    expect(session).toMatchObject({ sandbox: true, picking: true });
    const identities = session.identities as { email: string; groups: string[] }[];
    expect(identities.map((i) => i.email)).toEqual([
      'alice@corp.com',
      'bob@corp.com',
      'dave@corp.com',
      'carol@corp.com',
      'eve@example.com',
    ]);
    expect(identities.find((i) => i.email === 'carol@corp.com')?.groups).toEqual(['helpdesk']);
  });

  it('runs a command and a decision, and keeps them in the history', async () => {
    const asked = await post(pg.url, '/api/command', { as: 'alice@corp.com', text: 'unclaim abc.com' });
    expect(asked.status).toBe(200);
    const entry = asked.json.entry as {
      reply: { status: string; requestId: string };
      cards: { webex: unknown; slack: { blocks: unknown[] }; text: string };
    };
    expect(entry.reply.status).toBe('pending');
    expect(JSON.stringify(entry.cards.webex)).toContain('"domainops":"approve"');
    expect(JSON.stringify(entry.cards.webex)).toContain('SANDBOX');
    expect(JSON.stringify(entry.cards.slack.blocks)).toContain('domainops_approve');
    const id = entry.reply.requestId;

    const own = await post(pg.url, '/api/decide', {
      as: 'alice@corp.com',
      decision: 'approve',
      requestId: id,
    });
    expect(own.status).toBe(200);
    expect((own.json.entry as { reply: { status: string } }).reply.status).not.toBe('succeeded');

    const done = await post(pg.url, '/api/decide', {
      as: 'bob@corp.com',
      decision: 'approve',
      requestId: id,
    });
    expect((done.json.entry as { reply: { status: string } }).reply.status).toBe('succeeded');

    const history = (await (await fetch(`${pg.url}/api/history`)).json()) as { entries: { text: string }[] };
    expect(history.entries.map((e) => e.text)).toEqual(['unclaim abc.com', `approve ${id}`, `approve ${id}`]);
  });

  it('the first card of a request follows it: a decision redraws it, and the answer says so', async () => {
    interface Shown {
      id: number;
      rev: number;
      requestId?: string;
      reply: { status: string };
      cards: { webex: { actions?: unknown[] }; slack: { blocks: { type: string }[] } };
    }
    const asked = await post(pg.url, '/api/command', { as: 'dave@corp.com', text: 'unverify example.org' });
    const card = asked.json.entry as Shown;
    expect(card).toMatchObject({ rev: 1, requestId: expect.stringMatching(/^r-/) });
    expect(card.cards.webex.actions).toHaveLength(2);
    // A refused click is history of its own: it changes no card.
    const refused = await post(pg.url, '/api/decide', {
      as: 'dave@corp.com',
      decision: 'approve',
      requestId: card.requestId,
    });
    expect(refused.json.updated).toEqual([]);
    expect(refused.json.entry).not.toHaveProperty('requestId');

    const denied = await post(pg.url, '/api/decide', {
      as: 'bob@corp.com',
      decision: 'deny',
      requestId: card.requestId,
    });
    const updated = denied.json.updated as Shown[];
    expect(updated.map((e) => [e.id, e.rev, e.reply.status])).toEqual([[card.id, 2, 'denied']]);
    expect(updated[0]!.cards.webex.actions).toBeUndefined();
    expect(updated[0]!.cards.slack.blocks.some((b) => b.type === 'actions')).toBe(false);
    const history = (await (await fetch(`${pg.url}/api/history`)).json()) as { entries: Shown[] };
    expect(history.entries.find((e) => e.id === card.id)).toMatchObject({
      rev: 2,
      reply: { status: 'denied' },
    });
  });

  it('takes a command longer than 1000 characters; one over the limit is answered as too long', async () => {
    const long = `unclaim ${'a'.repeat(1200)}.com`;
    const tooLong = `unclaim ${'a'.repeat(MAX_INPUT_BYTES)}.com`;
    const answered = await post(pg.url, '/api/command', { as: 'alice@corp.com', text: long });
    expect(answered.status).toBe(200);
    expect((answered.json.entry as { text: string }).text).toBe(long);
    const refused = await post(pg.url, '/api/command', { as: 'alice@corp.com', text: tooLong });
    expect(refused.status).toBe(200);
    const shown = JSON.stringify((refused.json.entry as { cards: unknown }).cards);
    expect(shown).toContain(`the command is ${MAX_INPUT_BYTES + 12} bytes long; at most ${MAX_INPUT_BYTES}`);
    expect(shown).not.toMatch(/label/);
  });

  it('names its conversation: the page sees a restart', async () => {
    const session = (await (await fetch(`${pg.url}/api/session`)).json()) as Record<string, unknown>;
    const history = (await (await fetch(`${pg.url}/api/history`)).json()) as Record<string, unknown>;
    expect(session.epoch).toEqual(expect.any(String));
    expect(history.epoch).toBe(session.epoch);
    expect(session.maxInputBytes).toBe(MAX_INPUT_BYTES);
  });

  it('answers a repeated delivery key once', async () => {
    const body = { as: 'carol@corp.com', text: 'whoami', key: 'same-key-123' };
    expect((await post(pg.url, '/api/command', body)).json.entry).toBeDefined();
    expect((await post(pg.url, '/api/command', body)).json).toEqual({ duplicate: true });
  });

  it('refuses bad input with 400', async () => {
    const bad = async (body: unknown) => (await post(pg.url, '/api/command', body)).status;
    expect(await bad('{not json')).toBe(400);
    expect(await bad('[1,2]')).toBe(400);
    expect(await bad({ as: 'mallory@corp.com', text: 'help' })).toBe(400);
    expect(await bad({ text: 'help' })).toBe(400);
    expect(await bad({ as: 'alice@corp.com', text: '' })).toBe(400);
    expect(await bad({ as: 'alice@corp.com', text: 'help', key: '<x>' })).toBe(400);
    expect(await bad({ as: 'alice@corp.com', text: 'x'.repeat(MAX_BODY_BYTES + 1) })).toBe(400);
    const decide = async (body: unknown) => (await post(pg.url, '/api/decide', body)).status;
    expect(await decide({ as: 'bob@corp.com', decision: 'maybe', requestId: 'r-1' })).toBe(400);
    expect(await decide({ as: 'bob@corp.com', decision: 'deny', requestId: '../x' })).toBe(400);
  });

  it('refuses other content types, other origins and foreign host names (CSRF, DNS rebinding)', async () => {
    const form = await fetch(`${pg.url}/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: pg.url },
      body: JSON.stringify({ as: 'alice@corp.com', text: 'help' }),
    });
    expect(form.status).toBe(415);
    const foreign = await post(
      pg.url,
      '/api/command',
      { as: 'alice@corp.com', text: 'help' },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    const site = await post(
      pg.url,
      '/api/command',
      { as: 'bob@corp.com', text: 'help' },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(site.status).toBe(403);
    expect(await getWithHost(`${pg.url}/api/history`, 'evil.example:3000')).toBe(403);
    expect(await getWithHost(`${pg.url}/api/history`, `localhost:${new URL(pg.url).port}`)).toBe(200);
  });

  it('answers on every route (page, assets, API) only under its own address and origin', async () => {
    const port = new URL(pg.url).port;
    const routes = ['/', '/static/app.js', '/static/adaptivecards.min.js', '/favicon.svg', '/api/session'];
    for (const path of routes) {
      // DNS rebinding: a foreign name that resolves to 127.0.0.1, at the right port or not.
      for (const host of [
        'evil.com',
        `evil.com:${port}`,
        `127.0.0.1.nip.io:${port}`,
        `localhost:${Number(port) + 1}`,
      ]) {
        const refused = await requestWithHost(`${pg.url}${path}`, host);
        expect(refused.status, `${path} as ${host}`).toBe(403);
        expect(refused.body, `${path} as ${host}`).toMatch(/answers only at the address it listens on/);
        expect(refused.body).not.toMatch(/<html|domainops\.|AdaptiveCards/i);
      }
      // Its own address, under each name it listens as.
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
        expect(await getWithHost(`${pg.url}${path}`, host), `${path} as ${host}`).toBe(200);
      }
      // Another site's Origin on its own Host; its own Origin.
      const own = `127.0.0.1:${port}`;
      expect(await getWithHost(`${pg.url}${path}`, own, { origin: 'https://evil.example' })).toBe(403);
      expect(await getWithHost(`${pg.url}${path}`, own, { origin: `http://localhost:${port}` })).toBe(403);
      expect(await getWithHost(`${pg.url}${path}`, own, { origin: `http://${own}` })).toBe(200);
    }
    // The API's refusal stays JSON; a POST under a foreign name is refused before anything runs.
    const api = await requestWithHost(
      `${pg.url}/api/command`,
      'evil.com',
      { 'content-type': 'application/json' },
      'POST',
    );
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'bad_host' } });
    // Not the playground's: the health and metrics routes answer whatever the Host.
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect(await getWithHost(`${pg.url}${path}`, 'evil.com'), path).toBe(200);
    }
  });
});

describe('choosing who you are is refused', () => {
  it('with real (non-sandbox) targets: 403 that says to configure Slack or Webex', async () => {
    const pg = await startPlayground({ sandboxFlag: false });
    try {
      const session = (await (await fetch(`${pg.url}/api/session`)).json()) as Record<string, unknown>;
      expect(session).toMatchObject({ sandbox: false, picking: false, identities: [] });
      expect(session.refusal).toMatch(/Slack or Webex/);
      const res = await post(pg.url, '/api/command', { as: 'alice@corp.com', text: 'unclaim abc.com' });
      expect(res.status).toBe(403);
      expect(res.json.error).toMatchObject({
        code: 'identity_picking_refused',
        message: expect.stringMatching(/Slack or Webex/),
      });
      expect(
        (await post(pg.url, '/api/decide', { as: 'bob@corp.com', decision: 'approve', requestId: 'r-1' }))
          .status,
      ).toBe(403);
      expect((await fetch(`${pg.url}/api/history`)).status).toBe(403);
      expect((await fetch(`${pg.url}/`)).status).toBe(200);
    } finally {
      await pg.stop();
    }
  });

  it('with the sandbox on a non-loopback address', async () => {
    const pg = await startPlayground({ host: '0.0.0.0' });
    try {
      const session = (await (await fetch(`${pg.url}/api/session`)).json()) as Record<string, unknown>;
      expect(session).toMatchObject({ sandbox: true, picking: false });
      expect(session.refusal).toMatch(/not on a loopback address/);
      const res = await post(pg.url, '/api/command', { as: 'alice@corp.com', text: 'help' });
      expect(res.status).toBe(403);
    } finally {
      await pg.stop();
    }
  });
});
