/**
 * Slack notify destinations (`slack:<id>` in a rule's notify): what an id names, and what to do
 * about the Web API's errors when posting there. Small and free of Bolt: the config loader and
 * check-config use it without loading the platform.
 */

/** A channel, private channel (group) or DM id: `C…`, `G…`, `D…`. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
/** A user id: `U…`, or `W…` in Enterprise Grid. */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** `#name`: Slack channel names are lower case letters, digits, `-`, `_` and `.`, at most 80. */
const CHANNEL_NAME = /^#([a-z0-9][a-z0-9._-]{0,79})$/;

/** What a `slack:<id>` destination names. */
export type SlackPlace =
  | { kind: 'channel'; channel: string }
  | { kind: 'name'; name: string }
  | { kind: 'user'; user: string };

/** What `<id>` of `slack:<id>` names, or undefined when it is none of a channel id, a #name and a user id. */
export function slackPlace(id: string): SlackPlace | undefined {
  if (CHANNEL_ID.test(id)) return { kind: 'channel', channel: id };
  if (USER_ID.test(id)) return { kind: 'user', user: id };
  const name = CHANNEL_NAME.exec(id)?.[1];
  return name === undefined ? undefined : { kind: 'name', name };
}

/** What is wrong with `slack:<id>` as a notify destination (the config loader's check). */
export function slackDestination(id: string): string | undefined {
  if (slackPlace(id) !== undefined) return undefined;
  if (/^#/.test(id)) return 'is not a channel name: lower case letters, digits, -, _ and . after the #';
  return 'is not a channel id (C…, G…, D…), a #channel-name or a user id (U…, W…): an id is its letter and upper-case letters and digits, as Slack shows it (C0123ABCD, U0123ABCD)';
}

/** What to do about a Web API error code when posting a card to a destination. */
export function slackHint(code: string): string | undefined {
  switch (code) {
    case 'not_in_channel':
      return 'invite the bot to the channel: /invite @domainops';
    case 'channel_not_found':
      return 'check the channel id or name; a private channel must invite the bot first';
    case 'is_archived':
      return 'the channel is archived: unarchive it or name another';
    case 'user_not_found':
      return 'no Slack user has this id';
    case 'cannot_dm_bot':
      return 'that user is a bot';
    case 'missing_scope':
      return 'the Slack app lacks a scope: reinstall it with the manifest\'s scopes (README, "Slack")';
    case 'ratelimited':
      return 'Slack asked the bot to slow down';
    default:
      return undefined;
  }
}
