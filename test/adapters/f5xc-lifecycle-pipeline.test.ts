/**
 * `assign-owner` through the whole pipeline, against the built-in sandbox and the example
 * config: grammar and help, the policy of the example (a change: another admin approves), the
 * dry run, the approval card's warning on every platform, the result card and JSON, assigning
 * twice, and handing the owner flag back with `unassign-owner`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F5Fake, OWNER_ROLES } from '../../adapters/f5xc/sandbox.ts';
import { createHttpClient } from '../../adapters/http.ts';
import { REDACTED } from '../../adapters/redact.ts';
import { type App, createApp, replyDocument } from '../../src/app.ts';
import { cardForReply } from '../../src/core/cards/build.ts';
import { type Card, spanText } from '../../src/core/cards/model.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import type { Reply } from '../../src/core/reply.ts';
import { modules } from '../../src/modules.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const alice: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const bob: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };
const carol: Actor = { platform: 'local', id: 'carol@corp.com', email: 'carol@corp.com' };

const WARNING =
  'Approving replaces the roles assigned to carol@corp.com before with admin roles in the system, shared ' +
  'and all namespaces (the old roles are deleted). If carol@corp.com signs in with SSO, they become a ' +
  'user managed by F5 Distributed Cloud (no longer SSO) and F5 sends them an email to set a password.';

let sandbox: Sandbox;
let app: App;
let f5: F5Fake;

beforeAll(async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'domainops-f5-lifecycle-')), 'playground.db');
  sandbox = await startSandbox({ env: {}, store });
  f5 = sandbox.vendors.f5xc!.fake as F5Fake;
  // Every wait (retries, operation polls, the lease heartbeat) ends at the next turn of the event
  // loop: no real time passes, and a loop that waits never starves the vendor's answer.
  const sleep = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  app = createApp(sandbox.config, { http: createHttpClient(sandbox.config.http, { sleep }), sleep });
});
afterAll(async () => {
  await app?.close();
  await sandbox?.close();
});

const cardOf = (reply: Reply): Card =>
  cardForReply(reply, { present: app.present, now: Date.now(), sandbox: true });

/** Every wire format the platforms send, as one string to search. */
function everyPlatform(card: Card): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of modules.platforms) if (p.renderCard) out[p.name] = JSON.stringify(p.renderCard(card));
  return out;
}

describe('assign-owner: grammar and help', () => {
  it('has the usage line of the contract, is an F5 XC command and is marked destructive', () => {
    const spec = modules.grammar.byAction('assign-owner')!;
    expect(spec.usage).toBe('assign-owner <email> [in <target>]');
    expect(spec.vendor).toBe('f5xc');
    expect(spec.destructive).toBe(true);
    expect(modules.grammar.help()).toContain('assign-owner <email> [in <target>]');
    const page = modules.grammar.help('assign-owner');
    expect(page).toContain('admin roles in the system, shared and all namespaces');
    expect(page).toContain('email to set a password');
    expect(page).toContain('Example: assign-owner bob@corp.com in f5-acme');
  });

  it('takes exactly one email', () => {
    expect(modules.grammar.parse('assign-owner')).toMatchObject({ ok: false });
    expect(modules.grammar.parse('assign-owner carol')).toMatchObject({ ok: false });
    expect(modules.grammar.parse('assign-owner Carol@Corp.com in f5-acme')).toMatchObject({
      ok: true,
      command: { action: 'assign-owner', call: { action: 'assign-owner', email: 'Carol@corp.com' } },
    });
  });
});

describe('assign-owner in the sandbox, with the example policy', () => {
  it('the dry run shows the request the fake then receives', async () => {
    const dry = await app.handle('assign-owner carol@corp.com', alice, { dryRun: true });
    expect(dry.kind).toBe('dry-run');
    expect(dry.status).toBe('dry-run');
    expect(dry.request).toEqual({
      method: 'POST',
      url: `${f5.url}/api/web/namespaces/system/tenant/domain_owner/assign`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: `APIToken ${REDACTED}`,
      },
      body: '{"email":"carol@corp.com"}',
    });
    expect(dry.policy).toContain('needs approval (rule "changes")');
  });

  it('helpdesk may not ask for it', async () => {
    const reply = await app.handle('assign-owner carol@corp.com', carol);
    expect(reply.status).toBe('rejected');
  });

  it('needs another admin: the approval card warns what approving does, on every platform and in text', async () => {
    const before = f5.requests.length;
    const asked = await app.handle('assign-owner carol@corp.com', alice);
    expect(asked.status).toBe('pending');
    expect(f5.requests.length).toBe(before);
    expect(asked.text).toContain(`Warning: ${WARNING}`);
    const card = cardOf(asked);
    const texts = card.sections.filter((s) => s.kind === 'text').map((s) => spanText(s.text));
    expect(texts).toContain(`Warning: ${WARNING}`);
    // Above the buttons, with the request's facts.
    expect(card.actions?.map((a) => a.action)).toEqual(['approve', 'deny']);
    for (const [platform, wire] of Object.entries(everyPlatform(card))) {
      expect(wire, platform).toContain('admin roles in the system, shared and all namespaces');
      expect(wire, platform).toContain('email to set a password');
    }
    expect(Object.keys(everyPlatform(card)).sort()).toEqual(['slack', 'webex']);

    const done = await app.approve(asked.requestId!, bob);
    expect(done.status).toBe('succeeded');
    expect(replyDocument(done)).toMatchObject({
      status: 'succeeded',
      action: 'assign-owner',
      target: 'f5-acme',
      result: { action: 'assign-owner', email: 'carol@corp.com', raw: {} },
    });
    const wire = f5.requests.at(-1)!;
    expect(wire).toMatchObject({
      method: 'POST',
      path: '/api/web/namespaces/system/tenant/domain_owner/assign',
      body: '{"email":"carol@corp.com"}',
    });
    expect(f5.state.owners.has('carol@corp.com')).toBe(true);
    expect(f5.state.roles.get('carol@corp.com')).toEqual([...OWNER_ROLES]);
    expect(f5.state.outbox).toContainEqual({ to: 'carol@corp.com', kind: 'set-password' });

    const result = cardOf(done);
    expect(result.title).toBe('carol@corp.com is now a domain owner');
    expect(result.tone).toBe('success');
    expect(result.actions).toBeUndefined();
    const shown = JSON.stringify(result.sections);
    expect(shown).toContain('admin in the system, shared and all namespaces');
    expect(shown).toContain('unassign-owner carol@corp.com in f5-acme');
    // The warning belongs to the approval, not to the result.
    expect(shown).not.toContain('Warning: ');
  });

  it('assigning the same owner again fails with 409, its code and hint', async () => {
    const asked = await app.handle('assign-owner carol@corp.com', alice);
    const failed = await app.approve(asked.requestId!, bob);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'vendor_conflict',
      status: 409,
      hint: expect.stringContaining('carol@corp.com is probably a domain owner already'),
    });
  });

  it('and unassign-owner hands it back: assign then unassign of the same user works', async () => {
    const asked = await app.handle('unassign-owner carol@corp.com', alice);
    expect(asked.text).not.toContain('Warning: ');
    const done = await app.approve(asked.requestId!, bob);
    expect(done.status).toBe('succeeded');
    expect(f5.state.owners.has('carol@corp.com')).toBe(false);
    // An SSO tenant: the user signs in with SSO again; the admin roles stay.
    expect(f5.state.ssoUsers.has('carol@corp.com')).toBe(true);
    expect(f5.state.roles.get('carol@corp.com')).toEqual([...OWNER_ROLES]);
  });
});
