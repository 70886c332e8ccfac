/**
 * A TCP proxy on 127.0.0.1 between a store and the test server that breaks connections on cue:
 * refusing new ones, cutting one as its COMMIT goes out (the server never sees it), or right
 * after the server answered a COMMIT (the server committed; the client never hears so).
 */
import { connect, createServer, type Socket } from 'node:net';

export type Cut = 'refuse' | 'before-commit' | 'after-commit';

export interface CutProxy {
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /**
   * Breaks the next `count` connections (refuse) or COMMITs (the others); `down`: after the
   * cut, every connection is broken and every new one refused (the server is gone).
   */
  arm(cut: Cut, count?: number, options?: { down?: boolean }): void;
  /** How many cuts are still armed. */
  armed(): number;
  /** How many connections the proxy accepted. */
  accepted(): number;
  close(): Promise<void>;
}

const COMMIT = Buffer.from('COMMIT\0');

export async function startCutProxy(target: string): Promise<CutProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let pending: { cut: Cut; count: number; down: boolean } | undefined;
  let down = false;
  let accepted = 0;
  const take = (cut: Cut): boolean => {
    if (pending?.cut !== cut || pending.count === 0) return false;
    pending.count--;
    return true;
  };

  const server = createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (down || take('refuse')) {
      client.destroy();
      return;
    }
    const backend = connect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(backend);
    backend.on('close', () => {
      sockets.delete(backend);
      client.destroy();
    });
    backend.on('error', () => {});
    client.on('close', () => backend.destroy());
    let swallow = false;
    const cutBoth = () => {
      client.destroy();
      backend.destroy();
      if (pending?.down) {
        down = true;
        for (const s of sockets) s.destroy();
      }
    };
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes(COMMIT) && take('before-commit')) {
        cutBoth();
        return;
      }
      if (chunk.includes(COMMIT) && take('after-commit')) {
        // The server gets the COMMIT; its answer (sent after it committed) never reaches the client.
        swallow = true;
        backend.once('data', cutBoth);
      }
      backend.write(chunk);
    });
    backend.on('data', (chunk: Buffer) => {
      if (!swallow) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    arm(cut, count = 1, options = {}) {
      pending = { cut, count, down: options.down ?? false };
    },
    armed: () => pending?.count ?? 0,
    accepted: () => accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
