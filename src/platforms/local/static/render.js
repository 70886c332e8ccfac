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

/** Slack mrkdwn with its entities decoded, as DOM: ```blocks```, `code`, *bold*, _italic_, ~strike~. */
function mrkdwn(text) {
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const out = el('span', 'mrkdwn');
  const parts = text.split('```');
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.append(el('pre', 'slack-pre', decode(part)));
      return;
    }
    const inline = /`([^`\n]+)`|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
    let last = 0;
    for (const m of part.matchAll(inline)) {
      out.append(decode(part.slice(last, m.index)));
      if (m[1] !== undefined) out.append(el('code', 'slack-code', decode(m[1])));
      else if (m[2] !== undefined) out.append(el('strong', '', decode(m[2])));
      else if (m[3] !== undefined) out.append(el('em', '', decode(m[3])));
      else out.append(el('s', '', decode(m[4])));
      last = m.index + m[0].length;
    }
    out.append(decode(part.slice(last)));
  });
  return out;
}

function textOf(obj) {
  if (!obj || typeof obj.text !== 'string') return el('span');
  return obj.type === 'mrkdwn' ? mrkdwn(obj.text) : el('span', '', obj.text);
}

/** A simple preview of Block Kit blocks; buttons with `domainops_approve`/`_deny` work. */
export function renderSlack(blocks, onDecide) {
  const root = el('div', 'slack-message');
  for (const block of Array.isArray(blocks) ? blocks : []) {
    switch (block.type) {
      case 'header':
        root.append(el('div', 'slack-header', block.text?.text ?? ''));
        break;
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
