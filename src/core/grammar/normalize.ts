import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { EMAIL_PATTERN } from '../vocabulary.ts';

export type NormalizeResult<K extends string> =
  | ({ ok: true } & { [P in K]: string })
  | { ok: false; message: string };

/** Control, format (zero-width, bidi), surrogate and line/paragraph separator characters. */
export const INVISIBLE_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const MAX_INPUT = 1024;

/** `U+200B` for a character, as messages show invisible characters. */
export function codePointLabel(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function shown(text: string): string {
  const chars = [...text];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/**
 * Normalises a domain as the vendors expect it: trimmed, lower case, IDN in punycode, without
 * the trailing dot; 1–253 characters, at least two labels of 1–63 letters, digits and hyphens.
 * The message of a failure says what is wrong with the input.
 */
export function normalizeDomain(input: string): NormalizeResult<'domain'> {
  const raw = input.trim().toLowerCase();
  if (raw === '') return fail('the domain is empty');
  if (raw.length > MAX_INPUT) return fail(`is too long (${raw.length} characters; a domain has at most 253)`);
  const invisible = INVISIBLE_CHARACTER.exec(raw);
  if (invisible) return fail(`contains the invisible or control character ${codePointLabel(invisible[0])}`);
  if (/\s/u.test(raw)) return fail('contains a space');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(raw);
  if (scheme) return fail(`remove "${scheme[0]}": give just the domain, e.g. abc.com`);
  const at = raw.lastIndexOf('@');
  if (at >= 0) {
    return fail(
      `remove "${shown(raw.slice(0, at + 1))}": give just the domain, not an email address or user@host`,
    );
  }
  const path = /[/\\?#]/.exec(raw);
  if (path) return fail(`remove "${shown(raw.slice(path.index))}": give just the domain, without a path`);
  if (raw.includes('*')) return fail('wildcards ("*") are not allowed: give one domain');
  const bare = raw.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return fail('is an IP address: give a domain name');
  const port = /:[^:]*$/.exec(raw);
  if (port) return fail(`remove the port "${shown(port[0])}": give just the domain`);
  const rawLabels = raw.split('.');
  if (rawLabels.length > 1 && rawLabels.at(-1) === '') rawLabels.pop();
  const rawTld = rawLabels.at(-1) ?? '';
  // WHATWG host parsing turns a name that ends in a number into an IPv4 address (1.2.3 → 1.2.0.3).
  if (/^(0x[0-9a-f]*|[0-9]+)$/.test(rawTld)) {
    return rawLabels.length === 4 && rawLabels.every((l) => /^[0-9]+$/.test(l))
      ? fail('is an IP address: give a domain name')
      : fail(`the top-level label "${shown(rawTld)}" is all digits`);
  }
  for (const label of rawLabels) {
    const bad = /[\x21-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.exec(label);
    if (bad) return fail(labelCharacterMessage(label, bad[0]));
  }

  let ascii = raw;
  if (/[^\p{ASCII}]/u.test(raw)) {
    ascii = domainToASCII(raw);
    if (ascii === '') {
      const label = rawLabels.find((l) => l !== '' && domainToASCII(l) === '');
      return fail(
        label === undefined
          ? 'cannot be converted to punycode (IDNA)'
          : `label "${shown(label)}" is not a valid internationalised label (IDNA)`,
      );
    }
  }
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.endsWith('.')) return fail('ends with more than one dot');
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '') return fail('has an empty label (a leading dot or two dots in a row)');
    if (label.length > 63)
      return fail(`label "${shown(label)}" is ${label.length} characters long; at most 63`);
    const bad = /[^a-z0-9-]/.exec(label);
    if (bad) return fail(labelCharacterMessage(label, bad[0]));
    if (label.startsWith('-')) return fail(`label "${shown(label)}" starts with a hyphen`);
    if (label.endsWith('-')) return fail(`label "${shown(label)}" ends with a hyphen`);
    if (label.startsWith('xn--') && !isPunycode(label)) {
      return fail(`label "${shown(label)}" starts with xn-- but is not valid punycode`);
    }
  }
  for (const label of labels) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    const bad = [...unicode].find((c) => !IDNA2008_CHARACTER.test(c));
    if (bad !== undefined) {
      return fail(
        `label "${shown(unicode)}" contains "${bad}" (${codePointLabel(bad)}), which IDNA2008 does not allow in a domain name: emoji, symbols and punctuation cannot be registered`,
      );
    }
  }
  if (labels.length < 2) return fail(`needs at least two labels, e.g. ${shown(ascii)}.com`);
  const tld = labels.at(-1) ?? '';
  if (/^[0-9]+$/.test(tld)) return fail(`the top-level label "${tld}" is all digits`);
  if (isIP(ascii) !== 0) return fail('is an IP address: give a domain name');
  if (ascii.length > 253) return fail(`is ${ascii.length} characters long; a domain has at most 253`);
  return { ok: true, domain: ascii };
}

/**
 * What IDNA2008 lets a label hold (RFC 5892: the PVALID letters, combining marks and digits,
 * and the hyphen). UTS #46, which `domainToASCII` applies, still maps emoji and symbols to
 * punycode; registries that follow IDNA2008 refuse them.
 */
const IDNA2008_CHARACTER = /^[\p{Ll}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}a-z0-9-]$/u;

/**
 * A domain as people read it: the punycode, with its Unicode form beside it when it has one
 * (`xn--e1afmkfd.xn--p1ai (пример.рф)`); an ASCII domain as it is.
 */
export function displayDomain(domain: string): string {
  if (!/(^|\.)xn--/.test(domain)) return domain;
  const unicode = domainToUnicode(domain);
  return unicode === '' || unicode === domain ? domain : `${domain} (${unicode})`;
}

/** Whether an `xn--` label decodes to Unicode and encodes back to itself (`domainToASCII` does not check). */
function isPunycode(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== label && unicode !== '' && domainToASCII(unicode) === label;
}

function labelCharacterMessage(label: string, char: string): string {
  return `label "${shown(label)}" contains "${char}": only letters, digits and hyphens are allowed`;
}

/**
 * Normalises an email address as the vendors take it: trimmed, at most 1024 characters, matching
 * `^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$`. The local part keeps its case; the
 * domain part is lower-cased.
 */
export function normalizeEmail(input: string): NormalizeResult<'email'> {
  const raw = input.trim();
  if (raw === '') return fail('the email address is empty');
  if (raw.length > MAX_INPUT) return fail(`is too long (${raw.length} characters; at most 1024)`);
  const invisible = INVISIBLE_CHARACTER.exec(raw);
  if (invisible) return fail(`contains the invisible or control character ${codePointLabel(invisible[0])}`);
  const at = raw.indexOf('@');
  if (at < 0) return fail('has no "@": give an address such as bob@corp.com');
  if (raw.indexOf('@', at + 1) >= 0) return fail('has more than one "@"');
  const local = raw.slice(0, at);
  const domain = raw.slice(at + 1).toLowerCase();
  if (local === '') return fail('has nothing before "@"');
  if (domain === '') return fail('has nothing after "@"');
  const badLocal = /[^a-zA-Z0-9._%+-]/u.exec(local);
  if (badLocal) {
    return fail(
      `the part before "@" contains "${badLocal[0]}": only letters, digits and . _ % + - are allowed`,
    );
  }
  const badDomain = /[^a-z0-9.-]/u.exec(domain);
  if (badDomain) {
    return fail(
      `the part after "@" contains "${badDomain[0]}": only letters, digits, dots and hyphens are allowed`,
    );
  }
  if (!/\.[a-z]{2,}$/.test(domain)) {
    return fail(
      `the domain "${shown(domain)}" must end with a top-level domain of two or more letters, e.g. corp.com`,
    );
  }
  const email = `${local}@${domain}`;
  if (!EMAIL_PATTERN.test(email)) return fail('does not match the email pattern the vendors accept');
  return { ok: true, email };
}
