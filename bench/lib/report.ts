/**
 * What every bench hands back: tables of measurements and the budget checks (PASS/FAIL), printed
 * on the console and rendered as Markdown for the README's results block.
 */

/** One budget line: what was measured, the value, the budget, and whether it holds. */
export interface Check {
  what: string;
  measured: string;
  budget: string;
  pass: boolean;
}

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Section {
  /** `pipeline`, `slack`, `startup`, `store`. */
  name: string;
  title: string;
  tables: Table[];
  checks: Check[];
  /** Lines printed under the tables (what ran, what was skipped). */
  notes: string[];
}

/** Milliseconds with a sensible number of digits. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value < 1) return value.toFixed(2);
  if (value < 10) return value.toFixed(1);
  return value.toFixed(0);
}

/** A rate (per second) rounded for reading. */
export function rate(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** Megabytes from kilobytes. */
export function mb(kb: number | undefined): string {
  return kb === undefined ? '—' : (kb / 1024).toFixed(0);
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '—';
}

export function check(what: string, measured: string, budget: string, pass: boolean): Check {
  return { what, measured, budget, pass };
}

/** A plain-text table with aligned columns. */
export function textTable(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(table.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** The console form of a section: its tables, its notes and one PASS/FAIL line per budget. */
export function printSection(section: Section, write: (text: string) => void = console.log): void {
  write(`\n== ${section.title} ==`);
  for (const table of section.tables) write(`\n${textTable(table)}`);
  if (section.notes.length > 0) write(`\n${section.notes.map((n) => `  ${n}`).join('\n')}`);
  if (section.checks.length > 0) {
    write('\nbudget:');
    for (const c of section.checks)
      write(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.what}: ${c.measured} (budget ${c.budget})`);
  }
}

const escapeCell = (cell: string): string => cell.replaceAll('|', '\\|');

/** Whether every cell of a column is a number (or a dash): such columns are aligned right. */
const numeric = (table: Table, i: number): boolean =>
  table.rows.every((row) => /^(—|[\d.,–]+( ?[a-zµ%]+)?(x)?( \(.*\))?)$/i.test((row[i] ?? '').trim()));

/** A Markdown table. */
export function markdownTable(table: Table): string {
  const head = `| ${table.columns.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.columns.map((_, i) => (numeric(table, i) ? '---:' : '---')).join('|')}|`;
  const rows = table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}
