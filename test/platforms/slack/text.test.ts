import { describe, expect, it } from 'vitest';
import { deliveryKey, RecentDeliveries } from '../../../src/platforms/slack/delivery.ts';
import { commandText, escapeMrkdwn, stripBotMention } from '../../../src/platforms/slack/text.ts';

describe('commandText', () => {
  it.each([
    ['unclaim <http://abc.com|abc.com> in webex-prod', 'unclaim abc.com in webex-prod'],
    ['unassign-owner <mailto:a@b.com|a@b.com>', 'unassign-owner a@b.com'],
    ['domain <https://xn--80ak6aa92e.com|xn--80ak6aa92e.com>', 'domain xn--80ak6aa92e.com'],
    ['deny r-1 tom &amp; jerry', 'deny r-1 tom & jerry'],
    ['deny r-1 &amp;lt;', 'deny r-1 &lt;'],
    ['  help  ', 'help'],
  ])('%s → %s', (input, expected) => expect(commandText(input)).toBe(expected));

  it.each([
    ['unclaim <!channel>', 'unclaim <!channel>'],
    ['unclaim <@U123>', 'unclaim <@U123>'],
    ['unclaim <#C1|general>', 'unclaim <#C1|general>'],
    ['unclaim &lt;abc.com&gt;', 'unclaim <abc.com>'],
    ['unclaim <http://abc.com>', 'unclaim http://abc.com'],
  ])('keeps what the grammar must refuse: %s', (input, expected) =>
    expect(commandText(input)).toBe(expected),
  );
});

describe('stripBotMention', () => {
  it('removes a leading mention of the bot only', () => {
    expect(stripBotMention('<@U0BOT> help', 'U0BOT')).toBe('help');
    expect(stripBotMention('<@U0BOT|domainops>: whoami', 'U0BOT')).toBe('whoami');
    expect(stripBotMention('<@U0OTHER> help', 'U0BOT')).toBe('<@U0OTHER> help');
    expect(stripBotMention('help <@U0BOT>', 'U0BOT')).toBe('help <@U0BOT>');
    expect(stripBotMention('<@W0BOT> help', undefined)).toBe('help');
  });
});

describe('escapeMrkdwn', () => {
  it('turns & < > into entities', () =>
    expect(escapeMrkdwn('<!here> & <@U1>')).toBe('&lt;!here&gt; &amp; &lt;@U1&gt;'));
});

describe('deliveryKey', () => {
  it('is the event id, trigger id or action ts of a delivery', () => {
    expect(deliveryKey({ type: 'event_callback', event_id: 'Ev1' })).toBe('slack:event:Ev1');
    expect(deliveryKey({ command: '/domainops', trigger_id: 't.1' })).toBe('slack:command:t.1');
    expect(deliveryKey({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_ts: '1.2' }] })).toBe(
      'slack:action:U1:1.2',
    );
    expect(deliveryKey({ type: 'view_submission' })).toBeUndefined();
  });

  it('is remembered up to a capacity', () => {
    const seen = new RecentDeliveries(2);
    expect(seen.first('a')).toBe(true);
    expect(seen.first('a')).toBe(false);
    seen.first('b');
    seen.first('c');
    expect(seen.first('a')).toBe(true);
  });
});
