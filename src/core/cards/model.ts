/**
 * One platform-neutral card model. Builders (build.ts) fill it from a reply; each platform
 * module renders it in its own wire format.
 *
 * Every string in the model is plain text: it carries no markup of any platform. Renderers
 * escape all of it, so text from people or vendors (names, deny reasons, vendor messages)
 * can never format, link or mention. Emphasis and monospace are asked for with `Span` styles
 * and `code` sections instead.
 */

export type Tone = 'info' | 'success' | 'warning' | 'danger';

export type CardKind =
  | 'approval-request'
  | 'refused'
  | 'decision'
  | 'result'
  | 'error'
  | 'rejected'
  | 'unknown'
  | 'dry-run'
  | 'pending'
  | 'help'
  | 'audit'
  | 'targets'
  | 'whoami';

/** A piece of a text line: plain, bold, or inline code (a command to type). */
export interface Span {
  text: string;
  style?: 'bold' | 'code';
}

/** A paragraph; a string is one plain span. */
export interface TextSection {
  kind: 'text';
  text: string | Span[];
}

export interface Fact {
  label: string;
  value: string;
}

/** Label/value pairs. */
export interface FactsSection {
  kind: 'facts';
  facts: Fact[];
}

/**
 * A bulleted list. `items` are all the items; renderers show as many as their limits allow
 * and end with "and N more". `empty` is shown when there are none.
 */
export interface ListSection {
  kind: 'list';
  title: string;
  items: string[];
  empty?: string;
  /**
   * How many more there are than `items` holds (counted, not read): a renderer that cuts the
   * list counts them in its one "and N more".
   */
  more?: number;
}

/** A value to copy byte for byte (a DNS record, a request line), shown in monospace. */
export interface CodeSection {
  kind: 'code';
  label?: string;
  value: string;
}

/** Small print under the content. */
export interface ContextSection {
  kind: 'context';
  text: string;
}

export type Section = TextSection | FactsSection | ListSection | CodeSection | ContextSection;

export type ButtonAction = 'approve' | 'deny';

/** A decision button: each platform renders it with the request id in its payload. */
export interface Button {
  action: ButtonAction;
  requestId: string;
  label: string;
}

export interface Card {
  kind: CardKind;
  /** One line, plain text. */
  title: string;
  tone: Tone;
  /** Vendor calls go to the built-in sandbox: renderers show a prominent SANDBOX label. */
  sandbox?: boolean;
  sections: Section[];
  actions?: Button[];
}

/** Plain text of a text section. */
export function spanText(text: string | Span[]): string {
  return typeof text === 'string' ? text : text.map((s) => s.text).join('');
}

/**
 * Wraps a span's escaped text in a markup delimiter with its surrounding whitespace outside:
 * `*bold *` does not close in every markup, nor `**bold **` in markdown.
 */
export function delimit(text: string, marker: string, encode: (s: string) => string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
  const core = match[2]!;
  return core === '' ? text : `${match[1]}${marker}${encode(core)}${marker}${match[3]}`;
}
