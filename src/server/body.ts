import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reads a request body of at most `limit` bytes, for routes that must see the raw bytes (signature
 * checks) before anything else. A body over the limit is answered 413 by this function and not
 * read further: a `Content-Length` over the limit is answered at once without reading anything;
 * a body that grows past it (chunked) stops being read there. The 413 says `Connection: close`,
 * and the connection is closed as soon as it is sent, so a client that keeps sending is cut off
 * instead of being read and discarded without end.
 *
 * Resolves with the body, or undefined when there is nothing more to do: the 413 was sent, or the
 * client went away before the body ended.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    refuseTooLarge(req, res, limit);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (body: Buffer | undefined): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(body);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      settle(undefined);
      refuseTooLarge(req, res, limit);
    };
    const onEnd = (): void => settle(Buffer.concat(chunks));
    // The client aborted (or the server closed the connection) before the body ended.
    const onGone = (): void => settle(undefined);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onGone);
    req.once('close', onGone);
  });
}

/**
 * Before answering a request whose body may not have been read to its end (a refusal sent before
 * reading): says `Connection: close` while the body is unread, as the shared server then closes
 * the connection with the answer instead of reading the rest.
 */
export function closeIfUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
}

/**
 * Stops reading the request, answers 413 with `Connection: close`, and closes the connection once
 * the answer is sent.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  // Pausing the socket stops the reads from it (the HTTP server reads the socket for the request).
  req.pause();
  req.socket.pause();
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.once('finish', () => req.socket.destroy());
  res.writeHead(413, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(`request body too large: send at most ${limit} bytes\n`);
}
