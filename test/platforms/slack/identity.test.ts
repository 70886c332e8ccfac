import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentities } from '../../../src/platforms/slack/identity.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { BOT_TOKEN, USERS } from './helpers.ts';

let slack: SlackFake;
let client: WebClient;

beforeAll(async () => {
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  client = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});

afterAll(() => slack?.close());

describe('Slack identities (users.info)', () => {
  it('is the user id and profile email, cached for the TTL', async () => {
    let now = 0;
    const ids = createIdentities(client, { ttlMs: 1000, now: () => now });
    const from = slack.callsTo('users.info').length;
    expect(await ids.actor('U0ALICE')).toEqual({
      platform: 'slack',
      id: 'U0ALICE',
      email: 'alice@corp.com',
      name: 'Alice Admin',
    });
    await ids.actor('U0ALICE');
    expect(slack.callsTo('users.info').length - from).toBe(1);
    now = 1001;
    await ids.actor('U0ALICE');
    expect(slack.callsTo('users.info').length - from).toBe(2);
  });

  it('keeps at most maxEntries people', async () => {
    const ids = createIdentities(client, { maxEntries: 1 });
    const from = slack.callsTo('users.info').length;
    await ids.actor('U0ALICE');
    await ids.actor('U0BOB');
    await ids.actor('U0ALICE');
    expect(slack.callsTo('users.info').length - from).toBe(3);
  });

  it('is undefined without an email or when users.info fails, and is not cached then', async () => {
    const ids = createIdentities(client);
    expect(await ids.actor('U0NOMAIL')).toBeUndefined();
    expect(await ids.actor('U0NOBODY')).toBeUndefined();
    slack.users.set('U0NOMAIL', { id: 'U0NOMAIL', name: 'ghost', email: 'ghost@corp.com' });
    expect((await ids.actor('U0NOMAIL'))?.email).toBe('ghost@corp.com');
  });
});
