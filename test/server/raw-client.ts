import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/** What a raw HTTP/1.1 client saw: the response as text (up to the close), and how it ended. */
export interface RawExchange {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the client handed to its socket before it saw the connection end. */
  written: number;
  /** `close`, or the socket error code (ECONNRESET, EPIPE) when the server cut the upload off. */
  ended: string;
  /** The local port of the client's socket: the server-side socket's remote port. */
  port: number;
}

/**
 * The server-side sockets of `server`, by the client's port, so a test can read how many bytes
 * the server consumed (`bytesRead`) from a connection.
 */
export function serverSockets(server: Server): Map<number, Socket> {
  const sockets = new Map<number, Socket>();
  server.on('connection', (socket: Socket) => {
    if (socket.remotePort !== undefined) sockets.set(socket.remotePort, socket);
  });
  return sockets;
}

function parse(text: string): Pick<RawExchange, 'status' | 'headers' | 'body'> {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body: split === -1 ? '' : text.slice(split + 4),
  };
}

/**
 * Opens a connection to `url`, sends `POST path` with `headers`, and then, unless `body` is
 * `'none'`, a chunked body that never ends (64 KiB chunks, written as fast as the socket takes
 * them) until the server closes the connection. Resolves when the connection has ended; a server
 * that kept reading would never end it (the test then times out).
 */
export function post(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: 'endless' | 'none',
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let written = 0;
    let ended: string | undefined;
    let localPort = 0;
    socket.once('connect', () => {
      localPort = socket.localPort ?? 0;
    });
    const finish = (how: string): void => {
      if (ended !== undefined) return;
      ended = how;
      socket.destroy();
      resolve({
        ...parse(Buffer.concat(received).toString('utf8')),
        written,
        ended: how,
        port: localPort,
      });
    };
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('end', () => finish('close'));
    socket.on('close', () => finish('close'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? 'error'));
    const lines = Object.entries({
      host: hostname,
      ...(body === 'endless' ? { 'transfer-encoding': 'chunked' } : {}),
      ...headers,
    }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`POST ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
    if (body === 'none') return;
    const chunk = Buffer.alloc(64 * 1024, '{');
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const pump = (): void => {
      while (ended === undefined) {
        written += chunk.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
