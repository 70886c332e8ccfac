/** src/core/ names no vendor, platform or store: it imports none of their modules and says none of their names. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modules } from '../../src/modules.ts';

const root = resolve(import.meta.dirname, '../..');
const core = join(root, 'src/core');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the core boundary', () => {
  const sources = files(core).map((file) => ({
    file: relative(root, file),
    text: readFileSync(file, 'utf8'),
  }));

  it('imports nothing outside src/core but node: built-ins and libraries', () => {
    for (const { file, text } of sources) {
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
        const target = relative(root, resolve(root, dirname(file), match[1]!));
        expect(target.startsWith('src/core/'), `${file} imports ${match[1]}`).toBe(true);
      }
    }
  });

  it("names no module of the composition, nor the stores' engines", () => {
    const names = [
      ...modules.vendors.flatMap((m) => [m.vendor, m.title]),
      ...modules.platforms.map((p) => p.name).filter((n) => n !== 'local'),
      ...modules.stores.map((s) => s.name),
      'yandex',
      'postgres',
    ];
    const pattern = new RegExp(`\\b(${names.map((n) => n.replace(/[^a-z0-9]/gi, '.?')).join('|')})\\b`, 'i');
    for (const { file, text } of sources) expect(pattern.exec(text)?.[0], file).toBeUndefined();
  });
});
