import { describe, expect, it } from 'vitest';
import { alice, aliceOnWebex, bob, harness, lookup, unclaim } from './helpers.ts';

describe('a delivery key that names another submission', () => {
  it('never returns another person’s request, and stores nothing', async () => {
    const { workflow, store } = harness();
    const key = 'local:shared-key-1';
    const first = await workflow.submit({
      target: 'webex-prod',
      call: unclaim(),
      actor: alice,
      deliveryKey: key,
    });
    expect(first.status).toBe('pending');
    await expect(
      workflow.submit({ target: 'webex-prod', call: unclaim(), actor: bob, deliveryKey: key }),
    ).rejects.toMatchObject({ code: 'delivery_key_conflict' });
    // The same person on another platform is another delivery too.
    await expect(
      workflow.submit({ target: 'webex-prod', call: unclaim(), actor: aliceOnWebex, deliveryKey: key }),
    ).rejects.toMatchObject({ code: 'delivery_key_conflict' });
    expect(await store.listByStatus(['pending'])).toHaveLength(1);
    expect((await workflow.audit(100)).map((e) => e.requestId)).toEqual([first.request!.id]);
  });

  it('does not answer a different command of the same person with the old request', async () => {
    const { workflow, vendor } = harness();
    const key = 'slack:event:Ev9';
    await workflow.submit({ target: 'webex-prod', call: unclaim('a.com'), actor: alice, deliveryKey: key });
    for (const input of [
      { target: 'webex-prod', call: unclaim('b.com') },
      { target: 'webex-test', call: unclaim('a.com') },
      { target: 'yc', call: lookup('a.com') },
    ]) {
      await expect(workflow.submit({ ...input, actor: alice, deliveryKey: key })).rejects.toMatchObject({
        code: 'delivery_key_conflict',
      });
    }
    expect(vendor.calls).toHaveLength(0);
  });

  it('still returns the request of a true redelivery', async () => {
    const { workflow } = harness();
    const input = { target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'webex:msg7' };
    const first = await workflow.submit(input);
    const again = await workflow.submit({ ...input, actor: { ...alice, name: 'Alice A.' } });
    expect(again.request?.id).toBe(first.request?.id);
  });
});
