// Renders one reply twice: the Adaptive Card as Webex shows it (the adaptivecards renderer)
// and a Slack preview of the Block Kit blocks. Everything from the server is treated as text:
// DOM nodes are built with textContent, and the one HTML string handed to the Adaptive Cards
// renderer (its markdown hook) is escaped before any markup is added.

/** Escapes text for HTML. */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The markdown subset Webex cards use (bold, italic, code, bullets), on escaped text. */
function adaptiveMarkdown(text) {
  return escapeHtml(text)
    .split('\n')
    .map((line) => line.replace(/^- /, '• '))
    .join('<br>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_([^_]+)_(?=$|[\s.,;:)])/g, '$1<em>$2</em>');
}

const AC = globalThis.AdaptiveCards;
if (AC) {
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = adaptiveMarkdown(text);
    result.didProcess = true;
  };
}

const hostConfig = AC
  ? new AC.HostConfig({
      spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 28, padding: 14 },
      // Values to copy are in `emphasis` containers: Webex shades them, as Slack boxes code.
      containerStyles: {
        default: { backgroundColor: '#FFFFFF' },
        emphasis: { backgroundColor: '#F2F4F7' },
      },
      actions: { actionsOrientation: 'horizontal', buttonSpacing: 8, spacing: 'default', maxActions: 6 },
      fontTypes: {
        default: {
          fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
        },
        monospace: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
      },
    })
  : undefined;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The Adaptive Card as Webex renders it. `onDecide(decision, requestId, reason)` is called for
 * an Action.Submit whose data is `{ domainops, requestId }`.
 */
export function renderAdaptive(content, fallback, onDecide) {
  if (!AC) return el('pre', 'fallback', fallback);
  try {
    const card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.onExecuteAction = (action) => {
      const data = action.data ?? {};
      if ((data.domainops === 'approve' || data.domainops === 'deny') && typeof data.requestId === 'string') {
        onDecide(data.domainops, data.requestId, typeof data.reason === 'string' ? data.reason : undefined);
      }
    };
    card.parse(content);
    const node = card.render();
    if (node) return node;
  } catch {
    // Shown as the fallback text below, as Webex does for a card it cannot render.
  }
  return el('pre', 'fallback', fallback);
}

/**
 * Slack mrkdwn as Slack shows it, entities decoded: ```blocks```, `code`, *bold*, _italic_,
 * ~strike~. A delimiter formats only at the edge of a word (Slack, "Formatting text for app
 * surfaces"): the underscores of vendor_bad_request or NEED_TO_VALIDATE are letters.
 */
function mrkdwn(text) {
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const out = el('span', 'mrkdwn');
  const parts = text.split('```');
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.append(el('pre', 'slack-pre', decode(part)));
      return;
    }
    const inline = /`([^`\n]+)`|(?<![\p{L}\p{N}])([*_~])(?=\S)((?:(?!\2)[^\n])*?\S)\2(?![\p{L}\p{N}])/gu;
    let last = 0;
    for (const m of part.matchAll(inline)) {
      out.append(...withEmoji(decode(part.slice(last, m.index))));
      if (m[1] !== undefined) out.append(el('code', 'slack-code', decode(m[1])));
      else {
        const tag = m[2] === '*' ? 'strong' : m[2] === '_' ? 'em' : 's';
        const node = el(tag, '');
        node.append(...withEmoji(decode(m[3])));
        out.append(node);
      }
      last = m.index + m[0].length;
    }
    out.append(...withEmoji(decode(part.slice(last))));
  });
  return out;
}

/** The emoji domainops puts on cards, as pictures: they show without an emoji font. */
const EMOJI = { '\u2705': 'success', '\u26a0\ufe0f': 'warning', '\u26a0': 'warning', '\u26d4': 'danger' };
const EMOJI_PATTERN = /\u2705|\u26a0\ufe0f?|\u26d4/gu;

/** Text with the emoji of EMOJI as images (alt: the emoji itself, so copying keeps it). */
export function withEmoji(text) {
  const nodes = [];
  let last = 0;
  for (const m of text.matchAll(EMOJI_PATTERN)) {
    if (m.index > last) nodes.push(text.slice(last, m.index));
    const img = document.createElement('img');
    img.className = 'emoji';
    img.src = `/static/emoji/${EMOJI[m[0]]}.svg`;
    img.alt = m[0];
    nodes.push(img);
    last = m.index + m[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/** Request ids as the workflow makes them: `r-` and 8 letters or digits. */
const REQUEST_ID = /\br-[a-z0-9]{8}\b/g;

/**
 * Wraps every request id in the text under `root` in a span that does not break (`.rid`): an
 * id reads and copies as one word, never split after `r-`. Only text nodes change.
 */
export function keepIdsWhole(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement?.classList.contains('rid')) continue;
    if (node.data.search(REQUEST_ID) !== -1) found.push(node);
  }
  for (const node of found) {
    const parts = [];
    let last = 0;
    for (const m of node.data.matchAll(REQUEST_ID)) {
      if (m.index > last) parts.push(node.data.slice(last, m.index));
      parts.push(el('span', 'rid', m[0]));
      last = m.index + m[0].length;
    }
    if (last < node.data.length) parts.push(node.data.slice(last));
    node.replaceWith(...parts);
  }
  return root;
}

function textOf(obj) {
  if (!obj || typeof obj.text !== 'string') return el('span');
  if (obj.type === 'mrkdwn') return mrkdwn(obj.text);
  const span = el('span');
  span.append(...withEmoji(obj.text));
  return span;
}

/** A simple preview of Block Kit blocks; buttons with `domainops_approve`/`_deny` work. */
export function renderSlack(blocks, onDecide) {
  const root = el('div', 'slack-message');
  for (const block of Array.isArray(blocks) ? blocks : []) {
    switch (block.type) {
      case 'header': {
        const header = el('div', 'slack-header');
        header.append(...withEmoji(block.text?.text ?? ''));
        root.append(header);
        break;
      }
      case 'section': {
        const section = el('div', 'slack-section');
        if (block.text) section.append(textOf(block.text));
        if (Array.isArray(block.fields)) {
          section.append(wrap('slack-fields', ...block.fields.map((f) => wrap('slack-field', textOf(f)))));
        }
        root.append(section);
        break;
      }
      case 'context':
        root.append(wrap('slack-context', ...(block.elements ?? []).map(textOf)));
        break;
      case 'divider':
        root.append(el('hr', 'slack-divider'));
        break;
      case 'actions': {
        const row = el('div', 'slack-actions');
        for (const b of block.elements ?? []) {
          if (b.type !== 'button') continue;
          const button = el('button', `slack-button ${b.style ?? ''}`, b.text?.text ?? '');
          button.type = 'button';
          const decision = String(b.action_id ?? '').replace(/^domainops_/, '');
          button.addEventListener('click', () => {
            if (decision === 'approve' || decision === 'deny') onDecide(decision, String(b.value ?? ''));
          });
          row.append(button);
        }
        root.append(row);
        break;
      }
      default:
        root.append(el('div', 'slack-context', `(${String(block.type)} block not shown in the preview)`));
    }
  }
  return root;
}

function wrap(className, ...children) {
  const node = el('div', className);
  node.append(...children);
  return node;
}
