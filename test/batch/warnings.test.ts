/**
 * The warning of a batch's approval: every item's call is warned about, not only the first's.
 * `assign-owner carol@… bob@…` replaces the roles of both; `claim a b --force` takes both
 * domains from other organizations' users. The CLI text and the JSON document's cards (Block
 * Kit and Adaptive Card) both name every subject a warning applies to.
 */
import { describe, expect, it } from 'vitest';
import { forceClaimWarning } from '../../adapters/webex-identity/commands.ts';
import { groupWarnings } from '../../src/core/present.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { cli, writeConfig } from '../cli/helpers.ts';

/** Targets at closed ports: a pending request sends nothing. */
const CONFIG = `
store: ./data/domainops.db
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    apiUrl: http://127.0.0.1:9/v1
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
  f5-acme:
    vendor: f5xc
    tenantUrl: http://127.0.0.1:9
    auth: { apiToken: env:F5XC_API_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [assign-owner, claim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`;
const ENV = { WEBEX_IDENTITY_TOKEN: 'x', F5XC_API_TOKEN: 'y' };

type Doc = {
  status: string;
  cards: { slack: { blocks: unknown[] }; webex: unknown };
};

async function run(command: string, json: boolean) {
  const file = writeConfig(CONFIG);
  return cli(['exec', '--config', file, '--as', 'alice@corp.com', ...(json ? ['--json'] : []), command], ENV);
}

/** The Block Kit block that carries `text`, as JSON. */
function blockWith(doc: Doc, text: string): string {
  const block = doc.cards.slack.blocks.map((b) => JSON.stringify(b)).find((b) => b.includes(text));
  if (block === undefined) throw new Error(`no block says "${text}"`);
  return block;
}

describe('the warning of a batch approval names every item it applies to', () => {
  it('assign-owner of two users: the text and the cards say bob is affected too', async () => {
    const text = await run('assign-owner carol@corp.com bob@corp.com in f5-acme', false);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Warning: Approving replaces the roles assigned to carol@corp.com');
    expect(text.stdout).toContain('The same applies to 1 more email: bob@corp.com.');

    const json = await run('assign-owner carol@corp.com bob@corp.com in f5-acme', true);
    const doc = JSON.parse(json.stdout) as Doc;
    expect(doc.status).toBe('pending');
    expect(blockWith(doc, 'Approving replaces the roles assigned to carol@corp.com')).toBeDefined();
    expect(blockWith(doc, 'The same applies to 1 more email')).toContain('bob@corp.com');
    const webex = JSON.stringify(doc.cards.webex);
    expect(webex).toContain('The same applies to 1 more email');
    expect(webex.slice(webex.indexOf('The same applies to 1 more email'))).toContain('bob@corp.com');
  });

  it('claim --force of two domains: the warning applies to both', async () => {
    const text = await run('claim example.org labs.corp.com in webex-prod --force', false);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Warning: ${forceClaimWarning('example.org')}`);
    expect(text.stdout).toContain('The same applies to 1 more domain: labs.corp.com.');

    const doc = JSON.parse(
      (await run('claim example.org labs.corp.com in webex-prod --force', true)).stdout,
    ) as Doc;
    expect(blockWith(doc, 'The same applies to 1 more domain')).toContain('labs.corp.com');
  });

  it('a batch without --force has no warning, and a single subject keeps its one warning', async () => {
    const plain = await run('claim example.org labs.corp.com in webex-prod', false);
    expect(plain.stdout).not.toContain('Warning');
    const single = await run('assign-owner carol@corp.com in f5-acme', false);
    expect(single.stdout).toContain('Warning: Approving replaces the roles assigned to carol@corp.com');
    expect(single.stdout).not.toContain('The same applies');
  });
});

describe('the warning of a batch of 100 within the platform limits', () => {
  it('lists the subjects it applies to as far as Block Kit and the Adaptive Card budget allow, buttons kept', async () => {
    const emails = Array.from({ length: 100 }, (_, i) => `user${String(i).padStart(3, '0')}@corp.com`);
    const doc = JSON.parse((await run(`assign-owner ${emails.join(' ')} in f5-acme`, true)).stdout) as Doc;
    expect(doc.status).toBe('pending');
    const blocks = doc.cards.slack.blocks as Record<string, unknown>[];
    assertBlockKitLimits(blocks);
    assertAdaptiveCard(doc.cards.webex as Record<string, unknown>);
    expect(blockWith(doc, 'The same applies to 99 more emails')).toContain('user001@corp.com');
    expect(blocks.at(-1)).toMatchObject({ type: 'actions' });
    expect(JSON.stringify(doc.cards.webex)).toContain('The same applies to 99 more emails');
  });
});

describe('groupWarnings', () => {
  const warn = (call: { action: string; [k: string]: unknown }) =>
    call.kind === 'none' ? undefined : `${call.kind} ${String(call.subject)} now`;
  const item = (subject: string, kind: string) => ({ subject, call: { action: 'x', subject, kind } });

  it('groups the same words about different subjects, keeps distinct warnings apart, skips items without one', () => {
    expect(
      groupWarnings(
        [item('a.com', 'loses'), item('b.com', 'gains'), item('c.com', 'loses'), item('d.com', 'none')],
        warn,
      ),
    ).toEqual([
      { text: 'loses a.com now', subjects: ['a.com', 'c.com'] },
      { text: 'gains b.com now', subjects: ['b.com'] },
    ]);
  });
});
