/**
 * `check-config` for Webex notify destinations: asks the Webex API (with the bot token, over
 * plain `fetch`, without loading the framework) whether each space exists and has the bot in it
 * (`GET /rooms/{roomId}`: Webex answers 404 for a space the bot is not in) and whether each
 * person id is a person (`GET /people/{personId}`). A bot token Webex refuses (401) is a problem:
 * nothing can be posted with it. A Webex that cannot be reached (no connection, no answer in time,
 * HTTP 5xx, rate limited) is a line saying the destinations were not checked, not a problem of
 * theirs.
 */
import type { DestinationReport } from '../../core/platform.ts';
import type { WebexChatConfig } from './config.ts';
import { webexFailure, webexIdKind } from './destinations.ts';

const TIMEOUT = 10_000;

export async function checkWebexDestinations(
  config: WebexChatConfig,
  ids: readonly string[],
): Promise<DestinationReport> {
  let token: string;
  try {
    token = config.botToken.reveal();
  } catch {
    return { lines: ['not checked: chat.webex.botToken does not resolve (see secrets)'], problems: 0 };
  }
  const lines: string[] = [];
  let problems = 0;
  for (const id of ids) {
    const person = webexIdKind(id) === 'PEOPLE';
    const path = `${person ? 'people' : 'rooms'}/${encodeURIComponent(id)}`;
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl.replace(/\/+$/, '')}/${path}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT),
      });
    } catch (error) {
      const why =
        (error as { name?: string }).name === 'TimeoutError' ? 'no answer in 10 s' : 'no connection';
      lines.push(`webex: not checked: Webex did not answer (${why})`);
      break;
    }
    if (response.status === 401) {
      await response.body?.cancel();
      problems++;
      lines.push(
        'webex: PROBLEM: Webex refused the bot token (401): check chat.webex.botToken (the access token of the bot, from developer.webex.com)',
      );
      break;
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      const why = response.status === 429 ? ' (rate limited)' : '';
      lines.push(`webex: not checked: Webex answered HTTP ${response.status}${why}`);
      break;
    }
    const body = (await response.json().catch(() => ({}))) as { title?: unknown; displayName?: unknown };
    if (response.ok) {
      const name = person ? body.displayName : body.title;
      const what = person ? 'a person (direct message)' : 'a space';
      lines.push(
        `webex:${id}: ok: ${what}${typeof name === 'string' && name ? ` "${name}"` : ''}${person ? '' : ', the bot is in it'}`,
      );
      continue;
    }
    problems++;
    const failure = webexFailure({ statusCode: response.status });
    const hint = person && response.status === 404 ? 'no Webex person has this id' : failure.hint;
    lines.push(`webex:${id}: PROBLEM: ${failure.code}${hint === undefined ? '' : `: ${hint}`}`);
  }
  return { lines, problems };
}
