/**
 * The shared HTTP layer opens at most `http.connections` connections to one vendor origin: more
 * requests at the same moment wait for one of them (counted on the server's side), and the
 * setting's default and bounds come from the config.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../adapters/http.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';

/**
 * A server that counts connections (open now, the most at once, in all) and holds the first
 * `hold` requests until that many have arrived, so that they are in flight together.
 */
async function countingServer(hold: number) {
  const stats = { open: 0, most: 0, opened: 0, requests: 0 };
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    stats.requests++;
    const answer = () => res.end(JSON.stringify({ n: stats.requests }));
    req.resume();
    req.on('end', () => {
      if (held.length + 1 < hold && stats.requests <= hold) {
        held.push(answer);
        return;
      }
      for (const release of held.splice(0)) release();
      answer();
    });
  });
  server.on('connection', (socket) => {
    stats.opened++;
    stats.open++;
    stats.most = Math.max(stats.most, stats.open);
    socket.on('close', () => stats.open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    stats,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const settings = { connectTimeout: 2_000, timeout: 5_000, retries: 0, maxRetryAfter: 1_000 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fiveAtOnce(client: HttpClient, url: string) {
  return Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      client.send({ method: 'GET', url: `${url}/r${i}`, headers: {}, idempotent: true }, { vendor: 'webex' }),
    ),
  );
}

describe('connections per vendor origin', () => {
  it('opens at most `connections` at once: five requests at the same moment share two', async () => {
    const server = await countingServer(2);
    cleanups.push(server.close);
    const client = createHttpClient({ ...settings, connections: 2 });
    cleanups.push(() => client.close());
    const answers = await fiveAtOnce(client, server.url);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.stats.requests).toBe(5);
    // Two were in flight together (the server held the first until the second came) …
    expect(server.stats.most).toBe(2);
    // … and no third connection was ever opened: the others waited for these.
    expect(server.stats.opened).toBe(2);
  });

  it('the same five without the bound of 2 (the default, 32) open a connection each', async () => {
    const server = await countingServer(5);
    cleanups.push(server.close);
    const client = createHttpClient(settings);
    cleanups.push(() => client.close());
    await fiveAtOnce(client, server.url);
    expect(server.stats.most).toBe(5);
  });

  it('is http.connections in the config: 32 unless set, a whole number from 1 to 256', () => {
    const load = (http: string) =>
      parseConfig(`store: ":memory:"\n${http}\ntargets: {}\n`, '/tmp/domainops.yaml', {});
    expect(load('').http.connections).toBe(32);
    expect(load('http: { retries: 1 }').http.connections).toBe(32);
    expect(load('http: { connections: 8 }').http).toMatchObject({ connections: 8, retries: 3 });
    for (const bad of ['0', '257', '2.5', '"many"']) {
      expect(() => load(`http: { connections: ${bad} }`)).toThrow(ConfigError);
      expect(() => load(`http: { connections: ${bad} }`)).toThrow(
        'http.connections: connections is a whole number from 1 to 256',
      );
    }
  });
});
