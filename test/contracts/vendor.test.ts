/**
 * Every vendor module of the composition domainops runs with passes the vendor contract
 * (test/contracts/vendor.ts) against its own sandbox fake. The fixtures are the `contract`
 * exports of test/contracts/vendors/*.ts; a module without one fails here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modules } from '../../src/modules.ts';
import { type VendorContract, vendorContract } from './vendor.ts';

const dir = join(import.meta.dirname, 'vendors');
const contracts = new Map<string, { file: string; contract: VendorContract }>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
  const { contract } = (await import(pathToFileURL(join(dir, file)).href)) as { contract?: VendorContract };
  if (contract === undefined) throw new Error(`test/contracts/vendors/${file} exports no contract`);
  const twin = contracts.get(contract.vendor);
  if (twin) throw new Error(`${twin.file} and ${file} both describe vendor ${contract.vendor}`);
  contracts.set(contract.vendor, { file, contract });
}

describe('the vendor contract', () => {
  it('has a fixture for every vendor module of the composition, and none for others', () => {
    for (const m of modules.vendors) {
      expect(contracts.has(m.vendor), `add test/contracts/vendors/<module>.ts for vendor ${m.vendor}`).toBe(
        true,
      );
    }
    expect([...contracts.keys()].sort()).toEqual(modules.vendors.map((m) => m.vendor).sort());
  });

  for (const m of modules.vendors) {
    const fixture = contracts.get(m.vendor);
    if (fixture) vendorContract(m, fixture.contract);
  }
});
