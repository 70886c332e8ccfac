/**
 * `check-config` for Slack notify destinations: asks the Web API (with the bot token, over plain
 * `fetch`, without loading Bolt) whether each channel exists and the bot is in it
 * (`conversations.info`; a `#name` is looked up with `conversations.list`), and whether each user
 * id is a user (`users.info`). A bot token Slack refuses (`invalid_auth`, `not_authed`,
 * `token_revoked`, `token_expired`, `account_inactive`) is a problem: nothing can be posted with it. A Slack that
 * cannot be reached (no connection, no answer in time, HTTP 5xx, rate limited) is a line saying
 * the destinations were not checked, not a problem of theirs.
 */
import type { DestinationReport } from '../../core/platform.ts';
import type { SlackConfig } from './config.ts';
import { slackHint, slackPlace } from './destinations.ts';

/** How long one Web API call may take. */
const TIMEOUT = 10_000;
/** `conversations.list` pages read at most while looking up a #name (200 channels each). */
const MAX_PAGES = 50;

type Answer = { ok: boolean; error?: string } & Record<string, unknown>;

/** Slack could not be asked: not about one destination, and not a problem of the config. */
class Unreachable extends Error {}

/** Slack refused the bot token: no destination can be posted to, a problem of the config. */
class TokenRefused extends Error {}

/** Web API errors about the token itself (docs.slack.dev, the Web API's common errors). */
const TOKEN_ERRORS = ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'];

interface SlackChannel {
  id: string;
  name?: string;
  is_member?: boolean;
  is_archived?: boolean;
  is_im?: boolean;
  is_private?: boolean;
}

export async function checkSlackDestinations(
  config: SlackConfig,
  ids: readonly string[],
): Promise<DestinationReport> {
  let token: string;
  try {
    token = config.botToken.reveal();
  } catch {
    return { lines: ['not checked: chat.slack.botToken does not resolve (see secrets)'], problems: 0 };
  }
  const call = async (method: string, args: Record<string, string>): Promise<Answer> => {
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl}${method}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(args).toString(),
        signal: AbortSignal.timeout(TIMEOUT),
      });
    } catch (error) {
      const why =
        (error as { name?: string }).name === 'TimeoutError' ? 'no answer in 10 s' : 'no connection';
      throw new Unreachable(`Slack did not answer ${method} (${why})`);
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new Unreachable(
        `Slack answered ${method} with HTTP ${response.status}${response.status === 429 ? ' (rate limited)' : ''}`,
      );
    }
    let answer: Answer;
    try {
      answer = (await response.json()) as Answer;
    } catch {
      throw new Unreachable(`Slack answered ${method} with HTTP ${response.status} and no JSON`);
    }
    if (!answer.ok && TOKEN_ERRORS.includes(String(answer.error))) {
      throw new TokenRefused(
        `Slack refused the bot token (${answer.error}): check chat.slack.botToken (the app's Bot User OAuth Token, xoxb-…, of an installed app)`,
      );
    }
    return answer;
  };

  let listed: Map<string, SlackChannel> | undefined;
  /** Every channel the token may see, by name (`channels:read`, `groups:read`). */
  const byName = async (): Promise<Map<string, SlackChannel> | string> => {
    if (listed) return listed;
    const found = new Map<string, SlackChannel>();
    let cursor = '';
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await call('conversations.list', {
        types: 'public_channel,private_channel',
        exclude_archived: 'true',
        limit: '200',
        ...(cursor ? { cursor } : {}),
      });
      if (!answer.ok) return String(answer.error);
      for (const c of (answer.channels as SlackChannel[] | undefined) ?? []) if (c.name) found.set(c.name, c);
      cursor = String((answer.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '');
      if (cursor === '') break;
    }
    listed = found;
    return found;
  };

  const lines: string[] = [];
  let problems = 0;
  const problem = (id: string, text: string): void => {
    problems++;
    lines.push(`slack:${id}: PROBLEM: ${text}`);
  };
  const channelLine = (id: string, c: SlackChannel): void => {
    const name = c.is_im ? 'a direct message' : `#${c.name ?? c.id} (${c.id})`;
    if (c.is_archived) problem(id, `${name} is archived: ${slackHint('is_archived')}`);
    else if (c.is_im || c.is_member) lines.push(`slack:${id}: ok: ${name}, the bot is in it`);
    else problem(id, `the bot is not in ${name}: ${slackHint('not_in_channel')}`);
  };
  try {
    for (const id of ids) {
      const place = slackPlace(id);
      if (place === undefined) continue;
      if (place.kind === 'user') {
        const answer = await call('users.info', { user: place.user });
        if (answer.ok) lines.push(`slack:${id}: ok: a user (direct message)`);
        else
          problem(
            id,
            `${answer.error}${slackHint(String(answer.error)) ? `: ${slackHint(String(answer.error))}` : ''}`,
          );
        continue;
      }
      if (place.kind === 'name') {
        const channels = await byName();
        if (typeof channels === 'string') {
          lines.push(
            `slack:${id}: not checked: conversations.list answered ${channels}${channels === 'missing_scope' ? ' (add the channels:read and groups:read scopes, or name the channel by its id)' : ''}`,
          );
          continue;
        }
        const channel = channels.get(place.name);
        if (channel === undefined) {
          problem(id, `no channel #${place.name} the bot can see: ${slackHint('channel_not_found')}`);
          continue;
        }
        channelLine(id, channel);
        continue;
      }
      const answer = await call('conversations.info', { channel: place.channel });
      if (answer.ok) channelLine(id, answer.channel as SlackChannel);
      else if (answer.error === 'missing_scope') {
        lines.push(
          `slack:${id}: not checked: conversations.info needs the channels:read, groups:read and im:read scopes`,
        );
      } else {
        const hint = slackHint(String(answer.error));
        problem(id, `${answer.error}${hint === undefined ? '' : `: ${hint}`}`);
      }
    }
  } catch (error) {
    if (error instanceof TokenRefused) {
      problems++;
      lines.push(`slack: PROBLEM: ${error.message}`);
    } else if (error instanceof Unreachable) {
      lines.push(`slack: not checked: ${error.message}`);
    } else throw error;
  }
  return { lines, problems };
}
