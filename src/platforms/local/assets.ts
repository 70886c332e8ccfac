import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../../core/platform.ts';
import { SECURITY_HEADERS } from './http.ts';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** The Adaptive Cards renderer the page uses: the browser bundle of the `adaptivecards` dependency. */
function adaptiveCardsBundle(): string {
  const pkg = createRequire(import.meta.url).resolve('adaptivecards/package.json');
  return join(dirname(pkg), 'dist', 'adaptivecards.min.js');
}

/** Every file the page may load, by URL path. A fixed list: no path from the URL reaches the file system. */
function assetFiles(): Record<string, { file: string; type: string }> {
  const js = 'text/javascript; charset=utf-8';
  return {
    '/': { file: join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
    '/favicon.svg': { file: join(STATIC_DIR, 'favicon.svg'), type: 'image/svg+xml' },
    '/static/style.css': { file: join(STATIC_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
    '/static/app.js': { file: join(STATIC_DIR, 'app.js'), type: js },
    '/static/render.js': { file: join(STATIC_DIR, 'render.js'), type: js },
    '/static/adaptivecards.min.js': { file: adaptiveCardsBundle(), type: js },
    // Slack's emoji as pictures: the preview shows them on machines without an emoji font.
    ...Object.fromEntries(
      ['success', 'warning', 'danger'].map((name) => [
        `/static/emoji/${name}.svg`,
        { file: join(STATIC_DIR, 'emoji', `${name}.svg`), type: 'image/svg+xml' },
      ]),
    ),
  };
}

/** GET routes for the page and its assets, read once and kept in memory. */
export function assetRoutes(): Route[] {
  const cache = new Map<string, Promise<Buffer>>();
  return Object.entries(assetFiles()).map(([path, asset]) => ({
    method: 'GET' as const,
    path,
    handler: async (_req, res) => {
      let body = cache.get(path);
      if (!body) {
        body = readFile(asset.file);
        cache.set(path, body);
        body.catch(() => cache.delete(path));
      }
      const bytes = await body;
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'content-length': bytes.length });
      res.end(bytes);
    },
  }));
}
