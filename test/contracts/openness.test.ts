/**
 * The core is open: a fourth vendor module defined in test code plugs into a composition and
 * works end to end (grammar, help, policy, dry run, execution, cards) with no change under
 * src/core/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { cardForReply } from '../../src/core/cards/build.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { compose, modules } from '../../src/modules.ts';
import { acme } from './toy/vendor.ts';

const composition = compose({ ...modules, vendors: [...modules.vendors, acme] });
const alice: Actor = { platform: 'cli', id: 'alice@corp.com' };
const bob: Actor = { platform: 'cli', id: 'bob@corp.com' };
const eve: Actor = { platform: 'cli', id: 'eve@corp.com' };

let server: Server;
let url = '';
const received: { method: string; url: string; body: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        authorization: req.headers.authorization,
      });
      const domain = decodeURIComponent(/\/domains\/([^:]+):park/.exec(req.url ?? '')?.[1] ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ domain, parkedAt: '2026-11-30T10:00:00Z' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function app() {
  const config = parseConfig(
    [
      'store: ":memory:"',
      'targets:',
      '  acme-1:',
      '    vendor: acme',
      `    url: ${url}`,
      '    auth: { token: env:ACME_TOKEN }',
      'policy:',
      '  groups: { admins: [alice@corp.com, bob@corp.com] }',
      '  rules:',
      '    - actions: [help, targets, whoami]',
      '      requesters: [admins]',
      '      approval: none',
      '    - name: parking',
      '      actions: [park]',
      '      requesters: [admins]',
      '      approval: { approvers: [admins], count: 1 }',
    ].join('\n'),
    '/tmp/domainops.yaml',
    { ACME_TOKEN: 'acme-secret-token' },
    composition,
  );
  return createApp(config, { modules: composition });
}

describe('a toy fourth vendor module', () => {
  it('adds its command to the grammar and help', async () => {
    expect(composition.grammar.actions).toContain('park');
    expect(composition.grammar.help()).toContain('park <domain> [in <target>] [--soft]');
    const a = app();
    const help = await a.handle('help park', alice);
    expect(help.kind).toBe('meta');
    expect(help.text).toContain('Runs on: acme targets');
    const card = cardForReply(help, { present: a.present, now: a.clock.now() });
    expect(JSON.stringify(card)).toContain('park <domain> [in <target>] [--soft]');
    await a.close();
  });

  it('is configured with its own target schema, whose errors name the field', () => {
    expect(() =>
      parseConfig('targets:\n  acme-1:\n    vendor: acme\n    url: nope\n', '/tmp/x.yaml', {}, composition),
    ).toThrow(/targets\.acme-1\.url/);
    expect(() => parseConfig('targets:\n  x:\n    vendor: acme2\n', '/tmp/x.yaml', {}, composition)).toThrow(
      /vendor must be one of webex, f5xc, yandex, acme/,
    );
  });

  it('dry-runs, asks for approval, runs once when approved, and shows cards', async () => {
    const a = app();
    received.length = 0;
    const dry = await a.handle('park abc.com --soft', alice, { dryRun: true });
    expect(dry).toMatchObject({ kind: 'dry-run', status: 'dry-run', target: 'acme-1' });
    expect(dry.request).toMatchObject({
      method: 'POST',
      url: `${url}/domains/abc.com:park`,
      body: '{"soft":true}',
      headers: { Authorization: 'Bearer [REDACTED]' },
    });
    expect(received).toHaveLength(0);

    const asked = await a.handle('park abc.com --soft', alice);
    expect(asked).toMatchObject({ kind: 'request', status: 'pending', action: 'park' });
    const approval = cardForReply(asked, { present: a.present, now: a.clock.now() });
    expect(approval.kind).toBe('approval-request');
    expect(approval.actions?.map((b) => b.action)).toEqual(['approve', 'deny']);
    expect(JSON.stringify(approval)).toContain('acme-1 (Acme Directory at 127.0.0.1');
    expect(JSON.stringify(approval)).toContain('"Soft"');
    for (const p of composition.platforms) p.renderCard?.(approval);

    const own = await a.approve(asked.requestId!, alice);
    expect(own.kind).toBe('refusal');
    const done = await a.approve(asked.requestId!, bob);
    expect(done).toMatchObject({
      kind: 'request',
      status: 'succeeded',
      result: { action: 'park', domain: 'abc.com' },
    });
    expect(done.text).toContain('Parked abc.com');
    const again = await a.approve(asked.requestId!, bob);
    expect(again.kind).toBe('refusal');
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/domains/abc.com:park',
        body: '{"soft":true}',
        authorization: 'Bearer acme-secret-token',
      },
    ]);
    const result = cardForReply(done, { present: a.present, now: a.clock.now() });
    expect(result.title).toBe('Parked abc.com');
    await a.close();
  });

  it('is refused by the policy like any other command', async () => {
    const a = app();
    const refused = await a.handle('park abc.com', eve);
    expect(refused).toMatchObject({ status: 'rejected', exitCode: 3 });
    await a.close();
  });

  it('needed no change under src/core/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    for (const file of files(join(import.meta.dirname, '../../src/core'))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/acme|park/i);
    }
  });
});
