import type { CommandIndex } from './index-table.ts';
import type { CommandSpec } from './model.ts';
import { MAX_BATCH } from './parse.ts';
import { closest } from './suggest.ts';
import { batchUsage } from './table.ts';

/**
 * Help generated from the command table, as plain text without platform markup: the overview
 * (one line per command: usage and summary) without a topic, the command's page with one.
 */
export function helpText(index: CommandIndex, topic?: string, batchMax = MAX_BATCH): string {
  if (topic === undefined || topic.trim() === '') return overview(index, batchMax);
  const spec = index.find(topic.trim());
  if (spec !== undefined) return commandPage(spec, batchMax);
  const suggestion = closest(topic.trim(), index.words);
  const didYouMean = suggestion === undefined ? '' : ` Did you mean ${suggestion}?`;
  return `There is no command "${[...topic.trim()].slice(0, 40).join('')}".${didYouMean}\n\n${overview(index, batchMax)}`;
}

/** What a batch is, in one line: for the overview and the pages of batch commands. */
export function batchNote(batchMax: number): string {
  return `A command that changes something takes up to ${batchMax} domains or emails separated by spaces (one request, one approval, an outcome for each).`;
}

function overview(index: CommandIndex, batchMax: number): string {
  const width = Math.max(...index.commands.map((c) => c.usage.length));
  const lines = index.commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'domainops commands:',
    ...lines,
    '',
    'in <target> may be left out when exactly one configured target can run the command.',
    'A command that calls a vendor may end with because <why> (free text, at most 500 characters).',
    ...(index.commands.some((c) => c.batch) ? [batchNote(batchMax)] : []),
    'Type help <command> for details and an example.',
  ].join('\n');
}

function commandPage(spec: CommandSpec, batchMax: number): string {
  const several = batchUsage(spec);
  const lines = [
    `Usage: ${spec.usage}`,
    ...(several === undefined ? [] : [`   or: ${several}   (up to ${batchMax}, one approval for all)`]),
    spec.summary,
    '',
    spec.description,
  ];
  for (const flag of spec.flags) lines.push(`${flag.name}: ${flag.summary}`);
  lines.push('');
  if (spec.vendor !== null) {
    lines.push(`Runs on: ${(spec.vendors ?? [spec.vendor]).join(' or ')} targets`);
    lines.push('Reason: end the command with because <why> (a rule may require one)');
    lines.push(
      spec.destructive
        ? 'Destructive: yes; the policy usually asks another admin to approve it first'
        : 'Destructive: no',
    );
  }
  lines.push(`Example: ${spec.example}`);
  if (spec.aliases.length > 0) lines.push(`Aliases: ${spec.aliases.join(', ')}`);
  return lines.join('\n');
}
