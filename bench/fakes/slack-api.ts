/**
 * A lean loopback fake of the Slack Web API methods domainops calls (auth.test, users.info,
 * chat.postMessage, chat.postEphemeral, chat.update) and of `response_url` posts. Trimmed from
 * the tests' fake (test/fakes/slack-api.ts) for load: it records no requests, only counts calls
 * by method, so its memory stays flat however long the bench runs. Slack answers HTTP 200 with
 * `{ ok: false, error }` for API errors, and so does this fake.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchSlackUser {
  id: string;
  name: string;
  email: string;
}

export interface BenchSlackFake {
  url: string;
  /** `{url}/api/`: chat.slack.apiUrl. */
  apiUrl: string;
  /** Calls so far, by method (`respond` for response_url posts). */
  calls: Record<string, number>;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function args(req: IncomingMessage, body: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      return JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export async function startSlackFake(options: {
  botToken: string;
  users: BenchSlackUser[];
  teamId?: string;
}): Promise<BenchSlackFake> {
  const teamId = options.teamId ?? 'T0BENCH';
  const users = new Map(options.users.map((u) => [u.id, u]));
  const calls: Record<string, number> = {};
  let ts = 0;
  const nextTs = (): string => `1700000000.${String(++ts).padStart(6, '0')}`;

  const answer = (res: ServerResponse, json: Record<string, unknown>): void => {
    const body = JSON.stringify(json);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = createServer((req, res) => {
    read(req).then(
      (body) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (path.startsWith('/respond/')) {
          calls.respond = (calls.respond ?? 0) + 1;
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
          return;
        }
        const method = path.replace(/^\/api\//, '');
        calls[method] = (calls[method] ?? 0) + 1;
        const a = args(req, body);
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ') ? auth.slice(7) : a.token;
        if (token !== options.botToken) return answer(res, { ok: false, error: 'invalid_auth' });
        switch (method) {
          case 'auth.test':
            return answer(res, {
              ok: true,
              url: 'https://bench.slack.com/',
              team: 'Bench',
              user: 'domainops',
              team_id: teamId,
              user_id: 'U0BOT',
              bot_id: 'B0BOT',
            });
          case 'users.info': {
            const user = users.get(String(a.user));
            if (!user) return answer(res, { ok: false, error: 'user_not_found' });
            return answer(res, {
              ok: true,
              user: {
                id: user.id,
                team_id: teamId,
                name: user.name,
                real_name: user.name,
                deleted: false,
                is_bot: false,
                profile: { real_name: user.name, display_name: user.name, email: user.email },
              },
            });
          }
          case 'chat.postMessage': {
            const t = nextTs();
            return answer(res, { ok: true, channel: a.channel, ts: t, message: { type: 'message', ts: t } });
          }
          case 'chat.update':
            return answer(res, { ok: true, channel: a.channel, ts: a.ts });
          case 'chat.postEphemeral':
            return answer(res, { ok: true, message_ts: nextTs() });
          default:
            return answer(res, { ok: false, error: 'unknown_method' });
        }
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
