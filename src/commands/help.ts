import { closest } from './suggest.ts';
import type { CommandSpec } from './table.ts';
import { COMMAND_WORDS, COMMANDS, findCommand } from './table.ts';

/**
 * Help generated from the command table, as plain text without platform markup: the overview
 * (one line per command: usage and summary) without a topic, the command's page with one.
 */
export function helpText(topic?: string): string {
  if (topic === undefined || topic.trim() === '') return overview();
  const spec = findCommand(topic.trim());
  if (spec !== undefined) return commandPage(spec);
  const suggestion = closest(topic.trim(), COMMAND_WORDS);
  const didYouMean = suggestion === undefined ? '' : ` Did you mean ${suggestion}?`;
  return `There is no command "${[...topic.trim()].slice(0, 40).join('')}".${didYouMean}\n\n${overview()}`;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'domainops commands:',
    ...lines,
    '',
    'in <target> may be left out when exactly one configured target can run the command.',
    'Type help <command> for details and an example.',
  ].join('\n');
}

function commandPage(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, spec.summary, '', spec.description];
  for (const flag of spec.flags) lines.push(`${flag.name}: ${flag.summary}`);
  lines.push('');
  if (spec.vendor !== null) {
    lines.push(`Runs on: ${spec.vendor} targets`);
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
