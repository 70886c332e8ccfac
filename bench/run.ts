/**
 * `npm run bench`: runs the benches (each in a process of its own), prints their tables and
 * budget lines, and writes the results into README.md between `<!-- bench:start -->` and
 * `<!-- bench:end -->`, with the machine, the Node version and the date.
 *
 *   npm run bench [-- --only pipeline,slack] [--quick] [--no-readme] [--check]
 *
 * `--quick` shortens every phase (a smoke run). Only a full run (no `--only`, no `--quick`)
 * writes the README. `--check` exits 1 when any budget line fails. DOMAINOPS_BENCH_PG_URL adds PostgreSQL to the store bench.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, machine, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable, type Section } from './lib/report.ts';

const BENCHES = ['pipeline', 'slack', 'startup', 'store', 'parts'] as const;
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

export function machineLine(date = new Date()): string {
  const gib = (totalmem() / 1024 ** 3).toFixed(0);
  return `${machine()}, ${cpuModel()}, ${availableParallelism()} cores, ${gib} GiB; Node ${process.version}; ${date.toISOString().slice(0, 10)}`;
}

/** The README block: the machine, each bench's tables and notes, and every budget line. */
export function resultsBlock(sections: Section[], date = new Date()): string {
  const out: string[] = [START, '', `Measured on ${machineLine(date)} (\`npm run bench\`).`];
  for (const section of sections) {
    out.push('', `**${section.title}**`);
    for (const table of section.tables) {
      out.push('', table.title ? `${table.title}:` : '', '', markdownTable(table));
    }
    for (const note of section.notes) out.push('', note);
  }
  const checks = sections.flatMap((s) => s.checks);
  out.push('', '**Budget**', '', '| budget line | measured | budget | verdict |', '|---|---|---|---|');
  for (const c of checks)
    out.push(`| ${c.what} | ${c.measured} | ${c.budget} | ${c.pass ? 'PASS' : '**FAIL**'} |`);
  out.push('', END);
  return out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

/** README text with the block between the markers replaced. */
export function replaceBlock(readme: string, block: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start)
    throw new Error(
      `README.md has no ${START} … ${END} block (in its "Performance" section) to write the results into`,
    );
  return `${readme.slice(0, start)}${block}${readme.slice(end + END.length)}`;
}

function runBench(name: string, json: string, quick: boolean): Promise<void> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [script, '--json', json, ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`bench/${name}.ts failed (${code ?? signal})`)),
    );
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-readme': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...BENCHES];
  const unknown = only.filter((name) => !(BENCHES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}: choose from ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  console.log(`domainops bench on ${machineLine()}`);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'domainops-bench-'));
  const sections: Section[] = [];
  try {
    for (const name of BENCHES.filter((b) => only.includes(b))) {
      const json = join(dir, `${name}.json`);
      try {
        await runBench(name, json, values.quick);
        sections.push(JSON.parse(readFileSync(json, 'utf8')) as Section);
      } catch (error) {
        // One bench that cannot run (say, src/ changed under it) does not stop the others.
        const message = error instanceof Error ? error.message : String(error);
        console.error(`\n${message}`);
        sections.push({
          name,
          title: `bench/${name}.ts`,
          tables: [],
          checks: [{ what: `bench/${name}.ts ran`, measured: 'failed', budget: 'runs', pass: false }],
          notes: [`failed: ${message}`],
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const checks = sections.flatMap((s) => s.checks);
  const failed = checks.filter((c) => !c.pass);
  console.log(
    `\nbench done in ${((performance.now() - started) / 1000).toFixed(0)} s: ${checks.length - failed.length} budget line(s) PASS, ${failed.length} FAIL`,
  );
  // The block stands for one whole run: a partial or a quick run only prints.
  if (!values.quick && !values['no-readme'] && values.only === undefined) {
    writeFileSync(README, replaceBlock(readFileSync(README, 'utf8'), resultsBlock(sections)));
    console.log('results written to README.md ("Performance")');
  }
  if (values.check && failed.length > 0) process.exitCode = 1;
}
