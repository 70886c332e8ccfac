/**
 * compose.yaml: two domainops replicas and PostgreSQL, with healthchecks and a volume. No Docker
 * engine runs here, so it is checked as YAML: the services, volumes and healthchecks it promises.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { storeSetting } from '../../src/config/store.ts';
import { modules } from '../../src/modules.ts';

const text = readFileSync(resolve(import.meta.dirname, '../../compose.yaml'), 'utf8');

interface Service {
  image?: string;
  build?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number };
}

describe('compose.yaml', () => {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  const compose = doc.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };

  it('is YAML without errors', () => {
    expect(doc.errors).toEqual([]);
  });

  it('runs PostgreSQL with a healthcheck and its data on a named volume', () => {
    const db = compose.services.db!;
    expect(db.image).toMatch(/^postgres:\d+$/);
    expect(db.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toEqual(['pgdata']);
    expect(db.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'domainops', '-d', 'domainops']);
    expect(db.environment).toMatchObject({ POSTGRES_USER: 'domainops', POSTGRES_DB: 'domainops' });
  });

  it('runs two domainops replicas on that database, each healthy only when /readyz is', () => {
    const replicas = Object.entries(compose.services).filter(([name]) => name !== 'db');
    expect(replicas.map(([name]) => name)).toEqual(['domainops-1', 'domainops-2']);
    const ports = new Set<string>();
    for (const [, service] of replicas) {
      expect(service.build).toBe('.');
      expect(service.depends_on).toEqual({ db: { condition: 'service_healthy' } });
      expect(service.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/readyz');
      expect(service.volumes).toEqual(['./domainops.yaml:/config/domainops.yaml:ro']);
      for (const port of service.ports ?? []) ports.add(port.split(':')[0]!);
      // The URL a replica connects with is one the PostgreSQL store module takes, without a password.
      const url = service.environment!.DATABASE_URL!;
      expect(new URL(url).password).toBe('');
      expect(modules.stores.find((s) => s.accepts(storeSetting(url)))?.name).toBe('postgres');
      expect(service.environment!.PGPASSWORD).toBe(`\${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}`);
    }
    expect(ports.size).toBe(2);
  });
});
