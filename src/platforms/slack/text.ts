/**
 * Slack message text → the command grammar's text. Slack rewrites what people type: a typed
 * domain or email becomes a link (`<http://abc.com|abc.com>`, `<mailto:a@b.com|a@b.com>`) and
 * `& < >` arrive as `&amp; &lt; &gt;`. Links of those schemes are unwrapped to what the person
 * saw, then the three entities are decoded. Anything else in angle brackets (`<!channel>`,
 * `<@U123>`, `<#C1|general>`) stays, and the grammar rejects it.
 */
export function commandText(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|<>\s]*)(?:\|([^<>]*))?>/gi, (_all, url: string, label?: string) =>
      label === undefined || label === '' ? url : label,
    )
    .replace(/&(lt|gt|amp);/g, (_all, name: string) => (name === 'lt' ? '<' : name === 'gt' ? '>' : '&'))
    .trim();
}

/** Removes a leading mention of the bot (`<@U0BOT> help` → `help`); other mentions stay. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  const id = botUserId ?? '[UW][A-Z0-9]+';
  return text.replace(new RegExp(`^\\s*<@${id}(?:\\|[^>]*)?>[\\s:,]*`), '');
}

/** `&`, `<` and `>` as entities, so text we echo back cannot become a link or a mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
