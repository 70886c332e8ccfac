import type { CommandIndex } from './index-table.ts';
import type { CommandSpec } from './model.ts';
import { closest } from './suggest.ts';

/**
 * Help generated from the command table, as plain text without platform markup: the overview
 * (one line per command: usage and summary) without a topic, the command's page with one.
 */
export function helpText(index: CommandIndex, topic?: string): string {
  if (topic === undefined || topic.trim() === '') return overview(index);
  const spec = index.find(topic.trim());
  if (spec !== undefined) return commandPage(spec);
  const suggestion = closest(topic.trim(), index.words);
  const didYouMean = suggestion === undefined ? '' : ` Did you mean ${suggestion}?`;
  return `There is no command "${[...topic.trim()].slice(0, 40).join('')}".${didYouMean}\n\n${overview(index)}`;
}

function overview(index: CommandIndex): string {
  const width = Math.max(...index.commands.map((c) => c.usage.length));
  const lines = index.commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'domainops commands:',
    ...lines,
    '',
    'in <target> may be left out when exactly one configured target can run the command.',
    'A command that calls a vendor may end with because <why> (free text, at most 500 characters).',
    'Type help <command> for details and an example.',
  ].join('\n');
}

function commandPage(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, spec.summary, '', spec.description];
  for (const flag of spec.flags) lines.push(`${flag.name}: ${flag.summary}`);
  lines.push('');
  if (spec.vendor !== null) {
    lines.push(`Runs on: ${spec.vendor} targets`);
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
