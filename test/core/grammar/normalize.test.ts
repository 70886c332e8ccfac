import { describe, expect, it } from 'vitest';
import { displayDomain, normalizeDomain, normalizeEmail } from '../../../src/core/grammar/normalize.ts';

const label = (n: number, c = 'a') => c.repeat(n);
describe('normalizeDomain', () => {
  it.each([
    ['abc.com', 'abc.com'],
    ['ABC.Com', 'abc.com'],
    ['  abc.com  ', 'abc.com'],
    ['abc.com.', 'abc.com'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['ПРИМЕР.РФ', 'xn--e1afmkfd.xn--p1ai'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['ab--cd.com', 'ab--cd.com'],
    ['123.com', '123.com'],
    ['a.b', 'a.b'],
    [`${label(63)}.com`, `${label(63)}.com`],
  ])('%s → %s', (input, domain) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain });
  });

  it('accepts 253 characters and rejects 254', () => {
    const ok = `${label(63)}.${label(63)}.${label(63)}.${label(61)}`;
    expect(ok).toHaveLength(253);
    expect(normalizeDomain(ok)).toEqual({ ok: true, domain: ok });
    expect(normalizeDomain(`${ok}.`)).toEqual({ ok: true, domain: ok });
    const tooLong = `${label(63)}.${label(63)}.${label(63)}.${label(62)}`;
    expect(tooLong).toHaveLength(254);
    expect(normalizeDomain(tooLong)).toEqual({
      ok: false,
      message: 'is 254 characters long; a domain has at most 253',
    });
  });

  it.each([
    ['', 'the domain is empty'],
    ['   ', 'the domain is empty'],
    [`${label(64)}.com`, 'is 64 characters long; at most 63'],
    ['-abc.com', 'label "-abc" starts with a hyphen'],
    ['abc-.com', 'label "abc-" ends with a hyphen'],
    ['abc.-com', 'label "-com" starts with a hyphen'],
    ['a_b.com', 'label "a_b" contains "_"'],
    ['a%b.com', 'label "a%b" contains "%"'],
    ['abc..com', 'has an empty label'],
    ['.abc.com', 'has an empty label'],
    ['abc.com..', 'ends with more than one dot'],
    ['localhost', 'needs at least two labels'],
    ['abc.123', 'the top-level label "123" is all digits'],
    ['1.2.3', 'the top-level label "3" is all digits'],
    ['0x7f.1', 'the top-level label "1" is all digits'],
    ['1.2.3.4', 'is an IP address'],
    ['10.0.0.1.', 'is an IP address'],
    ['::1', 'is an IP address'],
    ['[2001:db8::1]', 'is an IP address'],
    ['*.abc.com', 'wildcards ("*") are not allowed'],
    ['https://abc.com', 'remove "https://"'],
    ['http://abc.com/x', 'remove "http://"'],
    ['abc.com/path', 'remove "/path"'],
    ['abc.com?x=1', 'remove "?x=1"'],
    ['abc.com:443', 'remove the port ":443"'],
    ['user@abc.com', 'remove "user@"'],
    ['a b.com', 'contains a space'],
    ['ab\u200bc.com', 'U+200B'],
    ['ab\u00adc.com', 'U+00AD'],
    ['a\u202eb.com', 'U+202E'],
    ['xn--zz.com', 'label "xn--zz" starts with xn-- but is not valid punycode'],
    [`${label(1100)}.com`, 'is too long'],
  ])('rejects %j: %s', (input, fragment) => {
    const result = normalizeDomain(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(fragment);
      expect(result.message).not.toMatch(/^invalid$/);
      expect(result.message).not.toContain('\n');
    }
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['bob@corp.com', 'bob@corp.com'],
    ['  Bob.Smith+x@Corp.COM ', 'Bob.Smith+x@corp.com'],
    ['a_b%c-d@sub.corp-x.io', 'a_b%c-d@sub.corp-x.io'],
  ])('%s → %s', (input, email) => {
    expect(normalizeEmail(input)).toEqual({ ok: true, email });
  });

  it('accepts 1024 characters and rejects 1025', () => {
    const ok = `${'a'.repeat(1024 - '@corp.com'.length)}@corp.com`;
    expect(normalizeEmail(ok)).toEqual({ ok: true, email: ok });
    expect(normalizeEmail(`a${ok}`).ok).toBe(false);
  });

  it.each([
    ['', 'empty'],
    ['bob', 'has no "@"'],
    ['bob@@corp.com', 'more than one "@"'],
    ['a@b@corp.com', 'more than one "@"'],
    ['@corp.com', 'nothing before "@"'],
    ['bob@', 'nothing after "@"'],
    ['bo b@corp.com', 'the part before "@" contains " "'],
    ['bób@corp.com', 'the part before "@" contains "ó"'],
    ['mailto:bob@corp.com', 'the part before "@" contains ":"'],
    ['bob@corp', 'must end with a top-level domain'],
    ['bob@corp.c', 'must end with a top-level domain'],
    ['bob@corp.c0m', 'must end with a top-level domain'],
    ['bob@cörp.com', 'the part after "@" contains "ö"'],
    ['bob@corp_x.com', 'the part after "@" contains "_"'],
    ['bob\u200b@corp.com', 'U+200B'],
  ])('rejects %j: %s', (input, fragment) => {
    const result = normalizeEmail(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(fragment);
  });
});

describe('IDNA2008', () => {
  it.each(['😀.com', 'xn--e28h.com', 'a★b.com', 'i♥ny.com', 'xn--ny-7iy.com'])(
    'refuses %s: emoji and symbols are not domain names',
    (input) => {
      const result = normalizeDomain(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/IDNA2008 does not allow/);
    },
  );

  it.each([
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['straße.de', 'xn--strae-oqa.de'],
    ['日本語.jp', 'xn--wgv71a119e.jp'],
    ['ελληνικά.gr', 'xn--hxargifdar.gr'],
  ])('keeps letters of every script: %s', (input, ascii) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain: ascii });
  });

  it('shows the Unicode form beside the punycode', () => {
    expect(displayDomain('xn--e1afmkfd.xn--p1ai')).toBe('xn--e1afmkfd.xn--p1ai (пример.рф)');
    expect(displayDomain('abc.com')).toBe('abc.com');
  });
});
