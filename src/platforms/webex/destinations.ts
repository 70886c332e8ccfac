/**
 * Webex notify destinations (`webex:<id>` in a rule's notify): a space's `roomId`, or a person's
 * `personId` (a direct message). Webex ids are base64 of `ciscospark://<region>/<KIND>/<uuid>`:
 * the kind tells a space from a person. Small and free of the SDK: the config loader and
 * check-config use it without loading the platform.
 */

/** Base64 (standard or URL-safe, padding optional), as Webex writes its ids. */
const WEBEX_ID = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * What a Webex id decodes to: `ciscospark://<region>/<KIND>/<uuid>`, the region `us` or a cluster
 * such as `urn:TEAM:us-east-2_a`. (The Webex REST API's ids, e.g. a roomId
 * `Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0`.)
 */
const WEBEX_URI =
  /^ciscospark:\/\/[^/\s]+\/([A-Z_]+)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The kind of a Webex id (`ROOM`, `PEOPLE`, `MESSAGE`…), or undefined when it is not one Webex made. */
export function webexIdKind(id: string): string | undefined {
  if (!WEBEX_ID.test(id)) return undefined;
  const text = Buffer.from(id, 'base64').toString('utf8');
  return WEBEX_URI.exec(text)?.[1];
}

/** What a space's or a person's id looks like, for the errors about one that is not. */
const WEBEX_ID_SHAPE =
  'a roomId (a space) or personId (a person) is base64 of ciscospark://<region>/ROOM/<uuid> or ciscospark://<region>/PEOPLE/<uuid>, ' +
  'such as Y2lzY29zcGFyazovL3VzL1JPT00v… (copy it from the Webex API: GET /v1/rooms, GET /v1/people)';

/** What is wrong with `webex:<id>` as a notify destination (the config loader's check). */
export function webexDestination(id: string): string | undefined {
  const kind = webexIdKind(id);
  if (kind === 'ROOM' || kind === 'PEOPLE') return undefined;
  if (kind === undefined) return `is not a Webex id: ${WEBEX_ID_SHAPE}`;
  return `is the id of a ${kind.toLowerCase()}, not of a space (roomId) or a person (personId): ${WEBEX_ID_SHAPE}`;
}

/** A Webex API failure as a code, and what to do about it. */
export function webexFailure(error: unknown): { code: string; hint?: string } {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  switch (status) {
    case 404:
      return { code: 'not_found', hint: 'no such space, or the bot is not in it: add the bot to the space' };
    case 403:
      return { code: 'forbidden', hint: 'the bot may not post there: add it to the space as a member' };
    case 400:
      return { code: 'bad_request', hint: 'check the roomId (or personId) in notify' };
    case 401:
      return { code: 'unauthorized', hint: 'Webex refused the bot token: check chat.webex.botToken' };
    case 429:
      return { code: 'rate_limited', hint: 'Webex asked the bot to slow down' };
    default:
      return typeof status === 'number' ? { code: `http_${status}` } : { code: 'no_answer' };
  }
}
