/**
 * `pending` with many requests waiting: the text and chat show the oldest page and count the
 * rest ("and N more"); `pending --json` still lists every one; an overdue request is expired,
 * neither listed nor counted.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_PAGE } from '../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { record } from '../contracts/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { cli, writeConfig } from './helpers.ts';

const WAITING = PENDING_PAGE + 10;
const env = { WEBEX_IDENTITY_TOKEN: 'x' };
let dir: ReturnType<typeof tempDir>;
let config: string;
const ids: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  const file = join(dir.dir, 'store.db');
  const store = openSqliteStore(file);
  const now = Date.now();
  // The overdue one is the oldest: listed first, were it not expired.
  await store.insert(
    record('r-overdue0', {
      createdAt: now - 1000,
      approval: { approvers: ['admins'], count: 1, expiresAt: now },
    }),
    [],
  );
  for (let i = 0; i < WAITING; i++) {
    const id = `r-p${String(i).padStart(7, '0')}`;
    ids.push(id);
    await store.insert(
      record(id, {
        createdAt: now + i,
        updatedAt: now + i,
        approval: { approvers: ['admins'], count: 1, expiresAt: now + 3_600_000 },
      }),
      [],
    );
  }
  await store.close();
  config = writeConfig(`
store: ${file}
targets:
  webex-prod: { vendor: webex, orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f, apiUrl: "http://127.0.0.1:9/v1", auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - { actions: [pending], requesters: [admins], approval: none }
`);
});
afterAll(() => dir?.remove());

describe('pending with more requests than a page', () => {
  it('prints the oldest page and counts the rest; the overdue one is expired, not listed', async () => {
    const run = await cli(['pending', '--config', config], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${WAITING} request(s) waiting for approval; the oldest ${PENDING_PAGE}:`);
    expect(lines.slice(1, -1).map((l) => l.trim().split(/\s+/)[0])).toEqual(ids.slice(0, PENDING_PAGE));
    expect(lines.at(-1)).toBe('  and 10 more (`domainops pending --json` lists every one)');
    expect(run.stdout).not.toContain('r-overdue0');
  });

  it('--json lists every one, oldest first', async () => {
    const run = await cli(['pending', '--json', '--config', config], env);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { requests: { id: string; status: string }[] };
    expect(Object.keys(doc)).toEqual(['requests']);
    expect(doc.requests.map((r) => r.id)).toEqual(ids);
    expect(doc.requests.every((r) => r.status === 'pending')).toBe(true);
    // The members scripts read come first, `expiresAt` among them, in ISO 8601.
    const first = doc.requests[0] as unknown as Record<string, unknown>;
    expect(Object.keys(first).slice(0, 7)).toEqual([
      'id',
      'action',
      'target',
      'subject',
      'requester',
      'approvals',
      'expiresAt',
    ]);
    expect(first.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(first.expiresAt as string)).toBe((first.approval as { expiresAt: number }).expiresAt);
  });

  it('as chat answers it: the page, the total, and cards that count every one', async () => {
    const run = await cli(['exec', '--as', 'alice@corp.com', '--json', 'pending', '--config', config], env);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.result.total).toBe(WAITING);
    expect(doc.result.requests.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, PENDING_PAGE));
    const slack = JSON.stringify(doc.cards.slack);
    expect(slack).toContain(`${WAITING} requests waiting for approval`);
    expect(slack).toContain(`Oldest first: the first ${PENDING_PAGE} of ${WAITING}`);
    // One "and N more" counts both the items the card cut and those never read.
    const list = (doc.cards.slack.blocks as { text?: { text: string } }[])
      .map((b) => b.text?.text ?? '')
      .find((t) => t.includes('Oldest first'))!;
    const shown = list.split('\n').filter((l) => l.startsWith('• ')).length;
    expect(shown).toBeGreaterThan(0);
    expect(list).toMatch(new RegExp(`\\nand ${WAITING - shown} more$`));
    expect(slack).not.toContain('not listed here');
    const webex = JSON.stringify(doc.cards.webex);
    const bullets = (webex.match(/• r-/g) ?? []).length;
    expect(webex).toContain(`and ${WAITING - bullets} more`);
  });
});
