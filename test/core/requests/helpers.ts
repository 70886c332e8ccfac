import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VendorCall, VendorResult } from '../../../adapters/types.ts';
import type { PolicyConfig } from '../../../src/config/types.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { createWorkflow, type Workflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';

export const MINUTE = 60_000;

export const alice: Actor = { platform: 'slack', id: 'UALICE', email: 'alice@corp.com', name: 'Alice' };
export const aliceOnWebex: Actor = { platform: 'webex', id: 'PALICE', email: 'Alice@corp.com' };
export const bob: Actor = { platform: 'slack', id: 'UBOB', email: 'bob@corp.com' };
export const bobOnWebex: Actor = { platform: 'webex', id: 'PBOB', email: 'BOB@corp.com' };
export const carol: Actor = { platform: 'cli', id: 'carol@corp.com' };
export const dave: Actor = { platform: 'local', id: 'dave@corp.com' };
export const mallory: Actor = { platform: 'slack', id: 'UMAL', email: 'mallory@evil.com' };

/** Two approvals from admins for destructive actions, none for reads. */
export function testPolicy(count = 2): PolicyConfig {
  return {
    groups: { admins: ['alice@corp.com', 'bob@corp.com', 'carol@corp.com', 'dave@corp.com'] },
    rules: [
      {
        name: 'reads',
        index: 0,
        actions: ['domain', 'validate'],
        requesters: ['admins'],
        approval: { kind: 'none' },
      },
      {
        name: 'destructive',
        index: 1,
        actions: ['unclaim', 'unverify', 'unassign-owner'],
        requesters: ['admins'],
        approval: { kind: 'required', approvers: ['admins'], count, expires: 30 * MINUTE },
      },
    ],
  };
}

export const unclaim = (domain = 'abc.com'): VendorCall => ({ action: 'unclaim', domain });
export const lookup = (domain = 'abc.com'): VendorCall => ({ action: 'domain', domain });

export function resultFor(call: VendorCall): VendorResult {
  switch (call.action) {
    case 'unassign-owner':
      return { action: 'unassign-owner', email: call.email, raw: {} };
    case 'assign-owner':
      return { action: 'assign-owner', email: call.email, raw: {} };
    case 'unverify':
      return { action: 'unverify', domain: call.domain, verifiedDomains: [], claimedDomains: [], raw: {} };
    case 'validate':
      return {
        action: 'validate',
        domain: { domain: call.domain, challenges: [] },
        operationId: 'op1',
        raw: {},
      };
    case 'domain':
      return { action: 'domain', domain: { domain: call.domain, challenges: [] }, raw: {} };
    case 'unclaim':
      return { action: 'unclaim', domain: call.domain, raw: {} };
    case 'add-domain':
      return {
        action: 'add-domain',
        domain: { domain: call.domain, challenges: [] },
        operationId: 'op1',
        raw: {},
      };
    case 'list-domains':
      return { action: 'list-domains', domains: [], pages: 1 };
    case 'delete-domain':
      return { action: 'delete-domain', domain: call.domain, operationId: 'op1', raw: {} };
    default:
      // Calls the workflow tests do not look into: a result that names the call is enough.
      return { action: call.action, raw: {} } as unknown as VendorResult;
  }
}

/** A fake vendor that counts calls per subject and can be told how to behave. */
export function fakeVendor() {
  const calls: { target: string; call: VendorCall }[] = [];
  let behaviour: (target: string, call: VendorCall) => Promise<VendorResult> = async (_t, call) =>
    resultFor(call);
  return {
    calls,
    behave(fn: typeof behaviour) {
      behaviour = fn;
    },
    execute: async (target: string, call: VendorCall): Promise<VendorResult> => {
      calls.push({ target, call });
      return behaviour(target, call);
    },
  };
}

export interface Harness {
  workflow: Workflow;
  store: RequestStore;
  vendor: ReturnType<typeof fakeVendor>;
  clock: { now: number };
  policy: { current: PolicyConfig };
}

/** A workflow over an in-memory store, a settable clock and a fake vendor. */
export function harness(options: { count?: number; store?: RequestStore } = {}): Harness {
  const store = options.store ?? openSqliteStore(':memory:');
  const vendor = fakeVendor();
  const clock = { now: Date.UTC(2030, 0, 1, 10, 0) };
  const policy = { current: testPolicy(options.count) };
  const workflow = createWorkflow({
    policy: () => policy.current,
    store,
    execute: vendor.execute,
    now: () => clock.now,
  });
  return { workflow, store, vendor, clock, policy };
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
