import { describe, expect, it } from 'vitest';
import { COMMANDS, helpText } from './helpers.ts';

describe('helpText', () => {
  it('lists every command with its usage and summary, one line each', () => {
    const text = helpText();
    for (const spec of COMMANDS) {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(`${spec.usage} `));
      expect(line, spec.action).toBeDefined();
      expect(line).toContain(spec.summary);
    }
    expect(helpText('')).toBe(text);
  });

  it.each(COMMANDS.map((c) => [c.action, c] as const))('explains %s from the table', (action, spec) => {
    const text = helpText(action);
    expect(text.split('\n')[0]).toBe(`Usage: ${spec.usage}`);
    expect(text).toContain(spec.description);
    expect(text).toContain(`Example: ${spec.example}`);
    for (const flag of spec.flags) expect(text).toContain(flag.name);
    // A command several vendor modules run (dns-check) names each of them.
    if (spec.vendor !== null)
      expect(text).toContain(`Runs on: ${(spec.vendors ?? [spec.vendor]).join(' or ')} targets`);
    expect(helpText(action.toUpperCase())).toBe(text);
  });

  it('explains aliases and names them', () => {
    expect(helpText('status')).toBe(helpText('domain'));
    expect(helpText('domain')).toContain('Aliases: status');
  });

  it('uses no platform markup', () => {
    for (const topic of [undefined, ...COMMANDS.map((c) => c.action)]) {
      expect(helpText(topic)).not.toMatch(/[*`~]|\]\(|<[!@#]/);
    }
  });

  it('suggests a command for an unknown topic and lists the commands', () => {
    const text = helpText('unclam');
    expect(text).toMatch(/^There is no command "unclam"\. Did you mean unclaim\?/);
    expect(text).toContain(helpText());
  });
});
