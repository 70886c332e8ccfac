/**
 * A local fake of the Slack Web API (the methods domainops calls) and of Socket Mode. Point
 * Bolt at it with `clientOptions.slackApiUrl = fake.apiUrl`. Every call is recorded with its
 * arguments (form fields, JSON-encoded ones such as `blocks` decoded). `apps.connections.open`
 * returns the ws:// URL of a local websocket server that says `hello`, sends the envelopes a
 * test gives it and records the client's acks by `envelope_id`. Slack answers HTTP 200 with
 * `{ ok: false, error }` for API errors, and so does the fake.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  credential,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
  startFake,
} from '../../adapters/sandbox-http.ts';

export interface FakeSlackUser {
  id: string;
  name: string;
  /** No email: `users.info` answers without `profile.email`, as Slack does without `users:read.email`. */
  email?: string;
  realName?: string;
}

/** A channel the fake knows (`conversations.info`, `conversations.list`, posting by `#name`). */
export interface FakeSlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is in it (default true). */
  isMember?: boolean;
  isArchived?: boolean;
}

/** One Web API call (`method` like `chat.postMessage`) or one `response_url` post (`method` = `respond`). */
export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  /** What the fake answered (`{ ok, … }`). */
  response?: Record<string, unknown>;
  at: number;
}

/** A Socket Mode acknowledgement as the client sent it. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  at: number;
}

export interface SlackFakeOptions {
  botToken: string;
  appToken?: string;
  users?: FakeSlackUser[];
  botUserId?: string;
  botId?: string;
  teamId?: string;
}

export interface SlackFake {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `{url}/api/`: the config's `chat.slack.apiUrl`. */
  apiUrl: string;
  /** A `response_url` for a slash command or click; posts to it are recorded as method `respond`. */
  responseUrl(): string;
  botUserId: string;
  teamId: string;
  calls: SlackCall[];
  requests: RecordedRequest[];
  /**
   * Scripted misbehaviour for the next matching request(s), as in the vendor fakes (a `hold`
   * answers only once its gate opens; the call is recorded in `calls` when it is answered).
   */
  fault: FakeServer['fault'];
  users: Map<string, FakeSlackUser>;
  /** Channels the bot is not a member of: posting, updating and ephemerals there fail with `not_in_channel`. */
  outsideChannels: Set<string>;
  /**
   * Channels by id. Posting to a known channel the bot is not in fails as Slack does (a public
   * one `not_in_channel`, a private one `channel_not_found`); a `#name` must name one of them;
   * an id the fake does not know is accepted (as before channels were known).
   */
  channels: Map<string, FakeSlackChannel>;
  addChannel(channel: FakeSlackChannel): FakeSlackChannel;
  /** The direct message channel id `conversations.open` gives for a user (`D` + the id after `U`). */
  dmOf(user: string): string;
  /** Calls of one method, optionally from index `from` of `calls` on. */
  callsTo(method: string, from?: number): SlackCall[];
  /**
   * Resolves with the first call of `method` (from index `from`) that `match` accepts, as soon as
   * the fake has answered it; rejects if none came within `ms` (a bound for a failing test only).
   */
  waitFor(
    method: string,
    options?: { from?: number; match?: (call: SlackCall) => boolean; ms?: number },
  ): Promise<SlackCall>;
  socket: {
    /** Open websocket connections. */
    connections(): number;
    acks: SocketAck[];
    /** Sends an envelope (an `envelope_id` is added when missing); resolves with its ack. */
    send(envelope: Record<string, unknown>, ms?: number): Promise<SocketAck & { elapsedMs: number }>;
  };
  close(): Promise<void>;
}

function decodeArgs(request: RecordedRequest): Record<string, unknown> {
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      return JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(request.body)) {
    if (/^[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    args[key] = value;
  }
  return args;
}

function ok(json: Record<string, unknown>): FakeReply {
  return { status: 200, json: { ok: true, ...json } };
}

function fail(error: string): FakeReply {
  return { status: 200, json: { ok: false, error } };
}

/** Starts the fake Web API and Socket Mode server on 127.0.0.1. */
export async function startSlackFake(options: SlackFakeOptions): Promise<SlackFake> {
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const teamId = options.teamId ?? 'T0TEAM';
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const calls: SlackCall[] = [];
  const outsideChannels = new Set<string>();
  const channels = new Map<string, FakeSlackChannel>();
  const dmOf = (user: string): string => `D${user.slice(1)}`;
  /** The channel a `channel` argument names: `{ id }`, or the error Slack answers. */
  const channelFor = (arg: unknown): { id: string } | { error: string } => {
    const given = String(arg);
    if (given.startsWith('#')) {
      const found = [...channels.values()].find((c) => `#${c.name}` === given);
      if (found === undefined) return { error: 'channel_not_found' };
      return found.isMember === false
        ? { error: found.isPrivate ? 'channel_not_found' : 'not_in_channel' }
        : found;
    }
    const known = channels.get(given);
    if (known?.isArchived) return { error: 'is_archived' };
    if (known?.isMember === false) return { error: known.isPrivate ? 'channel_not_found' : 'not_in_channel' };
    if (outsideChannels.has(given)) return { error: 'not_in_channel' };
    return { id: given };
  };
  const channelInfo = (c: FakeSlackChannel) => ({
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: false,
    is_private: Boolean(c.isPrivate),
    is_archived: Boolean(c.isArchived),
    is_member: c.isMember !== false,
  });
  let tsCounter = 0;
  const nextTs = (): string => `1700000000.${String(++tsCounter).padStart(6, '0')}`;

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const wsPort = (wss.address() as AddressInfo).port;
  const sockets = new Set<WebSocket>();
  const acks: SocketAck[] = [];
  const ackWaiters = new Map<string, (ack: SocketAck) => void>();
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (typeof message.envelope_id !== 'string') return;
      const ack: SocketAck = { envelope_id: message.envelope_id, at: Date.now() };
      if (message.payload !== undefined) ack.payload = message.payload;
      acks.push(ack);
      ackWaiters.get(message.envelope_id)?.(ack);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: sockets.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0APP' },
      }),
    );
  });

  const answer = (request: RecordedRequest): FakeReply => {
    const path = request.path.split('?')[0] ?? '';
    const args = decodeArgs(request);
    const token = credential(request, 'Bearer') ?? (typeof args.token === 'string' ? args.token : undefined);
    if (path.startsWith('/respond/')) {
      calls.push({ method: 'respond', token, args, at: Date.now() });
      return { status: 200, text: 'ok' };
    }
    const method = path.replace(/^\/api\//, '');
    calls.push({ method, token, args, at: Date.now() });
    if (method === 'apps.connections.open') {
      if (options.appToken === undefined || token !== options.appToken) return fail('invalid_auth');
      return ok({ url: `ws://127.0.0.1:${wsPort}/link/?ticket=${randomUUID()}&app_id=A0APP` });
    }
    if (token !== options.botToken) return fail('invalid_auth');
    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'domainops',
          team_id: teamId,
          user_id: botUserId,
          bot_id: botId,
        });
      case 'users.info': {
        const user = users.get(String(args.user));
        if (!user) return fail('user_not_found');
        const profile: Record<string, unknown> = {
          real_name: user.realName ?? user.name,
          display_name: user.name,
        };
        if (user.email !== undefined) profile.email = user.email;
        return ok({
          user: {
            id: user.id,
            team_id: teamId,
            name: user.name,
            real_name: user.realName ?? user.name,
            deleted: false,
            is_bot: false,
            profile,
          },
        });
      }
      case 'chat.postMessage': {
        const channel = channelFor(args.channel);
        if ('error' in channel) return fail(channel.error);
        const ts = nextTs();
        return ok({
          channel: channel.id,
          ts,
          message: { type: 'message', ts, text: args.text, bot_id: botId },
        });
      }
      case 'users.lookupByEmail': {
        const email = String(args.email).toLowerCase();
        const user = [...users.values()].find((u) => u.email?.toLowerCase() === email);
        if (!user) return fail('users_not_found');
        return ok({
          user: { id: user.id, team_id: teamId, name: user.name, profile: { email: user.email } },
        });
      }
      case 'conversations.open': {
        const user = String(args.users ?? '');
        if (!users.has(user)) return fail('user_not_found');
        return ok({ channel: { id: dmOf(user) } });
      }
      case 'conversations.info': {
        const id = String(args.channel);
        const known = channels.get(id);
        if (known !== undefined) {
          // Slack hides a private channel from a bot that is not in it.
          if (known.isPrivate && known.isMember === false) return fail('channel_not_found');
          return ok({ channel: channelInfo(known) });
        }
        const im = [...users.keys()].find((u) => dmOf(u) === id);
        if (im !== undefined) return ok({ channel: { id, is_im: true, user: im, is_member: true } });
        return fail('channel_not_found');
      }
      case 'conversations.list': {
        const visible = [...channels.values()].filter((c) => !c.isPrivate || c.isMember !== false);
        const limit = Math.max(1, Number(args.limit ?? 100));
        const start = Number(args.cursor || 0);
        const page = visible.slice(start, start + limit);
        const next = start + limit < visible.length ? String(start + limit) : '';
        return ok({ channels: page.map(channelInfo), response_metadata: { next_cursor: next } });
      }
      case 'chat.update': {
        // chat.update takes a channel id, never a name.
        if (String(args.channel).startsWith('#')) return fail('channel_not_found');
        const channel = channelFor(args.channel);
        if ('error' in channel) return fail(channel.error);
        return ok({ channel: args.channel, ts: args.ts, text: args.text });
      }
      case 'chat.postEphemeral':
        if (outsideChannels.has(String(args.channel))) return fail('not_in_channel');
        return ok({ message_ts: nextTs() });
      default:
        return fail('unknown_method');
    }
  };

  /** Told after every recorded call (its response set): the `waitFor`s still waiting. */
  const callWaiters = new Set<() => void>();
  const route = (request: RecordedRequest): FakeReply => {
    const reply = answer(request);
    const last = calls.at(-1);
    if (last && reply.json !== undefined) last.response = reply.json as Record<string, unknown>;
    for (const waiter of [...callWaiters]) waiter();
    return reply;
  };

  const server: FakeServer = await startFake({
    route,
    errorBody: (_status, message) => ({
      contentType: 'application/json',
      body: JSON.stringify({ ok: false, error: message }),
    }),
  });

  const callsTo = (method: string, from = 0): SlackCall[] =>
    calls.slice(from).filter((c) => c.method === method);

  return {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    responseUrl: () => `${server.url}/respond/${randomUUID()}`,
    botUserId,
    teamId,
    calls,
    requests: server.requests,
    fault: (fault, match) => server.fault(fault, match),
    users,
    outsideChannels,
    channels,
    addChannel(channel) {
      channels.set(channel.id, channel);
      return channel;
    },
    dmOf,
    callsTo,
    waitFor(method, { from = 0, match = () => true, ms = 5000 } = {}) {
      const found = callsTo(method, from).find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const call = callsTo(method, from).find(match);
          if (call === undefined) return;
          callWaiters.delete(check);
          clearTimeout(timer);
          resolve(call);
        };
        const timer = setTimeout(() => {
          callWaiters.delete(check);
          reject(new Error(`no ${method} call within ${ms} ms`));
        }, ms);
        callWaiters.add(check);
      });
    },
    socket: {
      connections: () => sockets.size,
      acks,
      send(envelope, ms = 5000) {
        const id = typeof envelope.envelope_id === 'string' ? envelope.envelope_id : randomUUID();
        const sentAt = Date.now();
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            ackWaiters.delete(id);
            reject(new Error(`no ack for envelope ${id} within ${ms} ms`));
          }, ms);
          ackWaiters.set(id, (ack) => {
            clearTimeout(timer);
            ackWaiters.delete(id);
            resolve({ ...ack, elapsedMs: ack.at - sentAt });
          });
          const text = JSON.stringify({ ...envelope, envelope_id: id });
          for (const ws of sockets) ws.send(text);
        });
      },
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await server.close();
    },
  };
}
