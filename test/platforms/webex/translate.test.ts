import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/core/errors.ts';
import { frameworkOptions } from '../../../src/platforms/webex/framework.ts';
import { validSparkSignature } from '../../../src/platforms/webex/signature.ts';
import { actorFromPerson, commandText, isSubmitInputs } from '../../../src/platforms/webex/translate.ts';
import { sparkSignature, webexId } from '../../fakes/webex-api.ts';

const bot = { id: webexId('PEOPLE'), displayName: 'DomainOps Bot' };
const mention = (label: string, id = bot.id) =>
  `<spark-mention data-object-type="person" data-object-id="${id}">${label}</spark-mention>`;

describe('commandText', () => {
  it('keeps a 1:1 message as it is, whitespace normalised', () => {
    expect(commandText({ text: '  unclaim   abc.com\nin webex-prod ' }, bot)).toBe(
      'unclaim abc.com in webex-prod',
    );
  });

  it('removes the leading mention of the bot (display name, or the part the sender kept)', () => {
    expect(
      commandText(
        { text: 'DomainOps Bot unclaim abc.com', html: `<p>${mention('DomainOps Bot')} unclaim abc.com</p>` },
        bot,
      ),
    ).toBe('unclaim abc.com');
    expect(commandText({ text: 'DomainOps help', html: `<p>${mention('DomainOps')} help</p>` }, bot)).toBe(
      'help',
    );
    expect(commandText({ text: 'domainops bot whoami' }, bot)).toBe('whoami');
    expect(commandText({ text: 'DomainOps Bot' }, bot)).toBe('');
  });

  it("leaves other people's mentions and lookalike words alone", () => {
    const other = webexId('PEOPLE');
    expect(
      commandText(
        { text: 'Alice unclaim abc.com', html: `<p>${mention('Alice', other)} unclaim abc.com</p>` },
        bot,
      ),
    ).toBe('Alice unclaim abc.com');
    expect(commandText({ text: 'DomainOps Botany' }, bot)).toBe('DomainOps Botany');
  });
});

describe('actorFromPerson', () => {
  it('takes the person id and first email from the API person', () => {
    expect(
      actorFromPerson({ id: 'P1', emails: ['Bob@corp.com', 'b@other.com'], displayName: 'Bob' }),
    ).toEqual({
      platform: 'webex',
      id: 'P1',
      email: 'Bob@corp.com',
      name: 'Bob',
    });
  });

  it('gives no actor for a person without an email', () => {
    expect(actorFromPerson({ id: 'P1', emails: [] })).toBeUndefined();
    expect(actorFromPerson({ id: 'P1' })).toBeUndefined();
  });
});

describe('isSubmitInputs', () => {
  it('accepts only our Approve / Deny data', () => {
    expect(isSubmitInputs({ domainops: 'approve', requestId: 'r-1' })).toBe(true);
    expect(isSubmitInputs({ domainops: 'deny', requestId: 'r-1' })).toBe(true);
    expect(isSubmitInputs({ domainops: 'run', requestId: 'r-1' })).toBe(false);
    expect(isSubmitInputs({ domainops: 'approve' })).toBe(false);
    expect(isSubmitInputs(undefined)).toBe(false);
  });
});

describe('validSparkSignature', () => {
  const raw = Buffer.from('{"id":"x","data":{"id":"é"}}');
  it('accepts the hex HMAC-SHA1 of the raw bytes, either case', () => {
    const sig = sparkSignature(raw.toString(), 'secret');
    expect(validSparkSignature(raw, sig, 'secret')).toBe(true);
    expect(validSparkSignature(raw, sig.toUpperCase(), 'secret')).toBe(true);
  });

  it('refuses a missing, malformed or wrong signature', () => {
    expect(validSparkSignature(raw, undefined, 'secret')).toBe(false);
    expect(validSparkSignature(raw, ['a', 'b'], 'secret')).toBe(false);
    expect(validSparkSignature(raw, 'abc', 'secret')).toBe(false);
    expect(validSparkSignature(raw, sparkSignature(raw.toString(), 'other'), 'secret')).toBe(false);
    expect(
      validSparkSignature(Buffer.from(`${raw} `), sparkSignature(raw.toString(), 'secret'), 'secret'),
    ).toBe(false);
  });
});

describe('frameworkOptions (mode selection)', () => {
  const env = { BOT: 'bot-token', HOOK: 'hook-secret' };
  const webex = (chat: string) =>
    parseConfig(`targets: {}\nchat:\n  webex: ${chat}\n`, '/tmp/domainops.yaml', env).chat.webex!;

  it('uses the websocket without webhookUrl', () => {
    const options = frameworkOptions(webex('{ botToken: env:BOT }'));
    expect(options).not.toHaveProperty('webhookUrl');
    expect(options).not.toHaveProperty('webhookSecret');
    expect(options).toMatchObject({ token: 'bot-token', maxStartupSpaces: 0, removeWebhooksOnStart: false });
  });

  it('uses webhooks with webhookUrl, registered with the secret', () => {
    const options = frameworkOptions(
      webex(
        '{ botToken: env:BOT, webhookUrl: "https://bot.example.com/webex/events", webhookSecret: env:HOOK }',
      ),
    );
    expect(options).toMatchObject({
      webhookUrl: 'https://bot.example.com/webex/events',
      webhookSecret: 'hook-secret',
    });
  });

  it('refuses webhook mode without a secret (the loader does too), naming the field', () => {
    expect(() => webex('{ botToken: env:BOT, webhookUrl: "https://bot.example.com/webex/events" }')).toThrow(
      /chat\.webex\.webhookSecret/,
    );
    const config = { ...webex('{ botToken: env:BOT }'), webhookUrl: 'https://bot.example.com/webex/events' };
    expect(() => frameworkOptions(config)).toThrow(ConfigError);
    expect(() => frameworkOptions(config)).toThrow(/chat\.webex\.webhookSecret/);
  });
});
