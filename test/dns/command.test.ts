/**
 * dns-check is one command that two vendor modules run, each on its own targets: one row of the
 * grammar, target resolution over both vendors, help that names both, and each result shown by
 * the view of the module whose target ran it.
 */
import { describe, expect, it } from 'vitest';
import { createGrammar } from '../../src/core/grammar/index.ts';
import type { VendorCommandSpec, VendorModule } from '../../src/core/ports.ts';
import { createPresenter } from '../../src/core/present.ts';
import { modules } from '../../src/modules.ts';
import { TARGETS } from '../cards/samples.ts';

const { grammar } = modules;

describe('dns-check, one command of two vendor modules', () => {
  it('is one row of the table, run by webex and yandex targets', () => {
    const rows = grammar.commands.filter((c) => c.action === 'dns-check');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.vendors).toEqual(['webex', 'yandex']);
    expect(rows[0]!.usage).toBe('dns-check <domain> [in <target>]');
    expect(grammar.help('dns-check')).toContain('Runs on: webex or yandex targets');
  });

  it('runs on the target named, of either vendor; another vendor is refused naming both', () => {
    const command = (target?: string) => ({ action: 'dns-check', ...(target ? { target } : {}) });
    expect(grammar.resolveTarget(command('yc-sso'), TARGETS)).toMatchObject({
      ok: true,
      target: { name: 'yc-sso' },
    });
    expect(grammar.resolveTarget(command('webex-prod'), TARGETS)).toMatchObject({
      ok: true,
      target: { name: 'webex-prod' },
    });
    const wrong = grammar.resolveTarget(command('f5-acme'), TARGETS);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe('wrong_vendor');
      expect(wrong.error.message).toBe(
        'f5-acme is a f5xc target; dns-check runs on webex or yandex targets: webex-prod, yc-sso',
      );
    }
    const ambiguous = grammar.resolveTarget(command(), TARGETS);
    expect(ambiguous.ok || ambiguous.error.code).toBe('ambiguous_target');
    // With one target of either vendor, it is that one.
    const only = { 'yc-sso': TARGETS['yc-sso']!, 'f5-acme': TARGETS['f5-acme']! };
    expect(grammar.resolveTarget(command(), only)).toMatchObject({ ok: true, target: { name: 'yc-sso' } });
  });

  it('a result is shown by the view of the module whose target ran it', () => {
    const check: VendorCommandSpec = {
      action: 'check-it',
      subject: 'domain',
      summary: 's',
      description: 'd',
      destructive: false,
      changes: false,
      example: 'check-it a.com',
      call: (domain) => ({ action: 'check-it', domain }),
    };
    const toy = (vendor: string) =>
      ({
        vendor,
        commands: [check],
        label: (t: { name: string }) => t.name,
        view: () => ({ title: `seen by ${vendor}`, tone: 'info', sections: [] }),
      }) as unknown as VendorModule;
    const vendors = [toy('one'), toy('two')];
    const targets = { a: { name: 'a', vendor: 'one' }, b: { name: 'b', vendor: 'two' } };
    const present = createPresenter(createGrammar(vendors), vendors, targets);
    const result = { action: 'check-it', domain: 'a.com' };
    expect(present.view(result, 'a').title).toBe('seen by one');
    expect(present.view(result, 'b').title).toBe('seen by two');
  });

  it('two modules that define the same command differently are a composition error', () => {
    const spec = (flags: VendorCommandSpec['flags']): VendorCommandSpec => ({
      action: 'check-it',
      subject: 'domain',
      ...(flags ? { flags } : {}),
      summary: 's',
      description: 'd',
      destructive: false,
      changes: false,
      example: 'check-it a.com',
      call: (domain) => ({ action: 'check-it', domain }),
    });
    expect(() =>
      createGrammar([
        { vendor: 'one', commands: [spec(undefined)] },
        { vendor: 'two', commands: [spec([{ name: '--fast', summary: 'f' }])] },
      ] as never),
    ).toThrow('vendors one and two define "check-it" differently');
    expect(() =>
      createGrammar([{ vendor: 'one', commands: [spec(undefined), spec(undefined)] }] as never),
    ).toThrow('two commands are called "check-it"');
  });
});
