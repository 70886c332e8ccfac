/**
 * How each bench script runs on its own (`node bench/<name>.ts`): it prints its tables and
 * budget lines; with `--json <file>` it also writes its Section there (bench/run.ts collects
 * them); `--quick` shortens every measured phase (a smoke run, not for the README).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printSection, type Section } from './report.ts';

export interface BenchOptions {
  /** Scales every measured duration (1 normally, smaller with --quick). */
  scale: number;
  /** Write a CPU profile of the process under load (the Slack bench: domainops) into this folder. */
  profileDir?: string;
}

export async function main(run: (options: BenchOptions) => Promise<Section>): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
  });
  const section = await run({
    scale: values.quick ? 0.25 : 1,
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  });
  printSection(section);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(section));
}

/** `ms` scaled by the run's scale, at least `min`. */
export function scaled(options: BenchOptions, ms: number, min = 250): number {
  return Math.max(min, Math.round(ms * options.scale));
}
