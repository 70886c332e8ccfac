/**
 * The platform contract: what every chat platform module promises, run through the real
 * runtime (the module picked by `config.chat`, the one HTTP server, the chat service, a store)
 * with the platform's own transport faked at its edge. Generic: what differs between platforms
 * is a harness (`PlatformHarness`, one per platform in test/contracts/platform-<name>.test.ts)
 * that speaks the platform's wire protocol and reads back what it showed.
 *
 * - A typed request that needs approval becomes an approval card with Approve and Deny, and the
 *   request remembers that the card is on this platform.
 * - A duplicate delivery (of a command, of a click) is ignored: nothing shown, nothing run twice.
 * - A refused click (the requester approving their own request) is explained, and changes nothing.
 * - Another person's Approve runs the vendor call once, and the card follows: no buttons, the
 *   outcome and who approved. A later click on the decided card is explained and runs nothing.
 * - A change made elsewhere reaches the card: a decision by someone on another platform (an
 *   approve, a typed deny), and the expiry found by the sweep; a refused decision elsewhere shows
 *   nothing, and a later sweep shows nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createTestClock } from '../helpers/clock.ts';

/** The two people of the contract: both admins, each may approve the other's requests. */
export type Person = 'alice@corp.com' | 'bob@corp.com';

/** A decision button. */
export type Decision = 'approve' | 'deny';

/** A request's card as the platform shows it now (after every edit or thread reply). */
export interface CardView {
  /** The decision buttons it offers, in order. */
  buttons: Decision[];
  /** Everything it says (its wire format as text), to look for words in. */
  text: string;
}

/** What the runtime is started with; the harness adds its `chat:` section and credentials. */
export interface ContractSetup {
  /** domainops.yaml without `chat:` (it ends with the policy). */
  yaml: string;
  /** Environment for the config's `env:` references. */
  env: Readonly<Record<string, string>>;
  clock: Clock;
  /** The expiry sweep's interval, in the clock's time. */
  sweepInterval: number;
}

/** One platform, running in a runtime, driven the way its chat service or clients would. */
export interface PlatformSession {
  readonly runtime: Runtime;
  /** `text` typed by `person` where the team works, as the platform would deliver it. */
  command(person: Person, text: string): unknown;
  /** `person` pressing `decision` on the approval card of `requestId`, as the platform would deliver it. */
  click(person: Person, requestId: string, decision: Decision): unknown;
  /** Delivers a command or click (again, for a duplicate); resolves when the platform has taken it. */
  deliver(delivery: unknown): Promise<void>;
  /** Resolves when the platform has finished everything it took (answers, card updates). */
  settled(): Promise<void>;
  /** Everything the platform showed so far, oldest first, one entry per post or edit. */
  shown(): Promise<string[]>;
  /** The approval card of `requestId` as it looks now, or undefined when none was shown. */
  card(requestId: string): Promise<CardView | undefined>;
  stop(): Promise<void>;
}

export interface PlatformHarness {
  /** The platform module's name (`conversation.platform` of its cards). */
  readonly name: string;
  /** Starts the platform's fake counterpart and a runtime in which only this platform runs. */
  start(setup: ContractSetup): Promise<PlatformSession>;
}

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const ALICE: Person = 'alice@corp.com';
const BOB: Person = 'bob@corp.com';
/** The rule of `unverify` lets a request wait this long (ms) for its approval. */
const SHORT_EXPIRY = 2_000;
const SWEEP = 100;

/** The vendor behind the commands is incidental: the Webex Identity fake. */
function setupYaml(apiUrl: string): string {
  return `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 5s }
targets:
  contract:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [${ALICE}, ${BOB}] }
  rules:
    - actions: [help, whoami, pending]
      requesters: [admins]
      approval: none
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: ${SHORT_EXPIRY / 1000}s }
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`;
}

/** Someone on another platform of the same process: their decisions reach every other platform. */
function elsewhere(email: Person): Actor {
  return { platform: 'elsewhere', id: `E-${email.split('@')[0]}`, email };
}

export function platformContract(harness: PlatformHarness): void {
  describe(`the platform contract: ${harness.name}`, () => {
    const clock = createTestClock();
    let identity: WebexFake;
    let session: PlatformSession;

    beforeAll(async () => {
      identity = await startWebexFake({
        orgs: {
          [ORG]: { claimed: ['abc.com', 'approved.com', 'denied.com'], verified: ['late.com'] },
        },
      });
      session = await harness.start({
        yaml: setupYaml(identity.apiUrl),
        env: { WEBEX_IDENTITY_TOKEN: identity.issueAccessToken() },
        clock,
        sweepInterval: SWEEP,
      });
    }, 30_000);

    afterAll(async () => {
      await session?.stop();
      await identity?.close();
    });

    const vendorCalls = () => identity.requests.filter((r) => r.path.includes('/actions/')).length;

    const settle = async (): Promise<void> => {
      await session.settled();
      expect(await session.runtime.chat.drain(5_000)).toBe(true);
    };

    /** Delivers, waits for everything it set off, and returns what the platform showed meanwhile. */
    const send = async (delivery: unknown): Promise<string[]> => {
      const before = (await session.shown()).length;
      await session.deliver(delivery);
      await settle();
      return (await session.shown()).slice(before);
    };

    /** `person` asks for `text`; returns the id of the request its approval card shows. */
    const ask = async (person: Person, text: string): Promise<string> => {
      const shown = await send(session.command(person, text));
      expect(shown.length).toBeGreaterThan(0);
      const pending = await session.runtime.app.workflow().pending();
      const request = pending.find((r) => r.requester.email === person && text.endsWith(r.subject));
      expect(request, `no pending request for "${text}"`).toBeDefined();
      return request!.id;
    };

    let requestId = '';
    let command: unknown;
    let approval: unknown;

    it('turns a request that needs approval into an approval card on this platform', async () => {
      command = session.command(ALICE, 'unclaim abc.com');
      const shown = await send(command);
      expect(shown.length).toBeGreaterThan(0);
      const [request, ...others] = await session.runtime.app.workflow().pending();
      expect(others).toEqual([]);
      expect(request).toMatchObject({ action: 'unclaim', subject: 'abc.com', status: 'pending' });
      expect(request?.requester).toMatchObject({ platform: harness.name, email: ALICE });
      // The card is remembered, so that changes made elsewhere can reach it.
      expect((request?.conversation as { platform?: unknown } | undefined)?.platform).toBe(harness.name);
      requestId = request!.id;
      const card = await session.card(requestId);
      expect(card?.buttons).toEqual(['approve', 'deny']);
      expect(card?.text).toContain('abc.com');
      expect(vendorCalls()).toBe(0);
    });

    it('ignores a duplicate delivery of the command', async () => {
      expect(await send(command)).toEqual([]);
      expect((await session.runtime.app.workflow().pending()).map((r) => r.id)).toEqual([requestId]);
    });

    it("explains a refused click (the requester's own Approve) and changes nothing", async () => {
      const shown = await send(session.click(ALICE, requestId, 'approve'));
      expect(shown.join('\n')).toMatch(/cannot approve your own request/);
      expect((await session.runtime.app.workflow().get(requestId))?.status).toBe('pending');
      expect(vendorCalls()).toBe(0);
    });

    it("runs the vendor call once on another person's Approve, and the card follows", async () => {
      approval = session.click(BOB, requestId, 'approve');
      const shown = await send(approval);
      expect(shown.length).toBeGreaterThan(0);
      const request = await session.runtime.app.workflow().get(requestId);
      expect(request?.status).toBe('succeeded');
      expect(request?.approvals.map((a) => a.actor.email)).toEqual([BOB]);
      expect(vendorCalls()).toBe(1);
      const card = await session.card(requestId);
      expect(card?.buttons).toEqual([]);
      expect(card?.text).toContain('Unclaimed abc.com');
      expect(card?.text).toContain(BOB);
    });

    it('ignores a duplicate delivery of the click', async () => {
      expect(await send(approval)).toEqual([]);
      expect(vendorCalls()).toBe(1);
    });

    it('explains a later click on the decided card, and runs nothing', async () => {
      const shown = await send(session.click(BOB, requestId, 'deny'));
      expect(shown.join('\n')).toMatch(/no longer open/);
      expect((await session.runtime.app.workflow().get(requestId))?.status).toBe('succeeded');
      expect(vendorCalls()).toBe(1);
    });

    it('shows an approval made elsewhere on the card, and nothing for a refused one', async () => {
      const id = await ask(ALICE, 'unclaim approved.com');
      const before = (await session.shown()).length;
      // Alice on another platform: her own request, refused there, and nothing to show here.
      const refused = await session.runtime.chat.decide({
        decision: 'approve',
        requestId: id,
        actor: elsewhere(ALICE),
      });
      expect(refused?.reply.error?.code).toBe('approve_own_request');
      await settle();
      expect((await session.shown()).slice(before)).toEqual([]);
      expect((await session.card(id))?.buttons).toEqual(['approve', 'deny']);

      const approved = await session.runtime.chat.decide({
        decision: 'approve',
        requestId: id,
        actor: elsewhere(BOB),
      });
      expect(approved?.reply.status).toBe('succeeded');
      await settle();
      const card = await session.card(id);
      expect(card?.buttons).toEqual([]);
      expect(card?.text).toContain('Unclaimed approved.com');
      expect(card?.text).toContain(BOB);
      expect(vendorCalls()).toBe(2);
    });

    it('shows a deny typed elsewhere on the card', async () => {
      const id = await ask(ALICE, 'unclaim denied.com');
      const denied = await session.runtime.chat.message({
        text: `deny ${id} not this one`,
        actor: elsewhere(BOB),
      });
      expect(denied?.reply).toMatchObject({ status: 'denied', decision: 'deny' });
      await settle();
      const card = await session.card(id);
      expect(card?.buttons).toEqual([]);
      expect(card?.text).toMatch(/denied/i);
      expect(card?.text).toContain(BOB);
      expect(vendorCalls()).toBe(2);
    });

    it('shows the expiry found by the sweep on the card, once', async () => {
      const id = await ask(ALICE, 'unverify late.com');
      // Past the rule's expiry: the sweep wakes, expires the request and waits again.
      await clock.sleeping();
      await clock.advance(SHORT_EXPIRY + SWEEP);
      await clock.sleeping();
      await settle();
      expect((await session.runtime.app.workflow().get(id))?.status).toBe('expired');
      const card = await session.card(id);
      expect(card?.buttons).toEqual([]);
      expect(card?.text).toMatch(/expired/i);
      // Later sweeps find nothing more to show.
      const before = (await session.shown()).length;
      for (let i = 0; i < 3; i++) {
        await clock.advance(SWEEP);
        await clock.sleeping();
      }
      await settle();
      expect((await session.shown()).slice(before)).toEqual([]);
      expect(vendorCalls()).toBe(2);
    });
  });
}
