// The playground page: choose who you are, type commands, see each reply as a Webex card and
// a Slack preview, click Approve / Deny. Talks only to this server's /api.
import { keepIdsWhole, renderAdaptive, renderSlack } from './render.js';

const $ = (id) => document.getElementById(id);
const feed = $('feed');
const input = $('text');
const STORAGE_KEY = 'domainops.playground.as';
/** How often the page asks for new entries; more often while the server is not answering. */
const POLL_MS = 4000;
const OFFLINE_POLL_MS = 2000;
/** While a request shown runs, or an answer is awaited: its card changes as it goes. */
const LIVE_POLL_MS = 1000;

let identities = [];
let me;
/** The conversation the page shows: a new one (the server restarted) clears the page. */
let epoch;
let maxInputBytes = 4096;
let offline = false;
/** Commands and clicks sent and not answered yet (an approval runs its request before answering). */
let waiting = 0;
/** Every entry shown, by id: its article and the revision of its card. */
const shown = new Map();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Text with `backticked` parts as code (for the server's messages), built as DOM nodes. */
function withCode(text) {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? el('code', '', part) : document.createTextNode(part)));
}

/** The server did not answer at all (stopped, restarting, or the network is gone). */
class Offline extends Error {}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
    });
  } catch {
    setOffline(true);
    throw new Offline('domainops is not answering');
  }
  setOffline(false);
  let json = {};
  try {
    json = await response.json();
  } catch {
    // An empty or non-JSON answer is reported by status below.
  }
  if (!response.ok) throw new Error(json.error?.message ?? `the server answered ${response.status}`);
  return json;
}

/** Shows or hides the banner that says the server is gone; the page keeps trying. */
function setOffline(value) {
  if (offline === value) return;
  offline = value;
  $('offline').hidden = !value;
}

function nameOf(email) {
  const local = email.split('@')[0] ?? email;
  return local.charAt(0).toUpperCase() + local.slice(1);
}

function avatar(email) {
  const node = el('span', 'avatar', nameOf(email).charAt(0));
  let hash = 0;
  for (const c of email) hash = (hash * 31 + c.charCodeAt(0)) % 360;
  node.dataset.hue = String(hash % 6);
  return node;
}

function choose(email) {
  me = email;
  sessionStorage.setItem(STORAGE_KEY, email);
  for (const chip of document.querySelectorAll('.identity')) {
    const selected = chip.dataset.email === email;
    chip.setAttribute('aria-checked', String(selected));
    chip.classList.toggle('selected', selected);
  }
  $('speaker').replaceChildren(avatar(email), el('span', 'speaker-name', nameOf(email)));
}

function renderIdentities() {
  const list = $('identities');
  for (const identity of identities) {
    const chip = el('button', 'identity');
    chip.type = 'button';
    chip.setAttribute('role', 'radio');
    chip.dataset.email = identity.email;
    const text = el('span', 'identity-text');
    text.append(
      el('span', 'identity-name', nameOf(identity.email)),
      el('span', 'identity-email', identity.email),
    );
    const groups = el('span', 'identity-groups');
    if (identity.groups.length === 0) groups.append(el('span', 'tag outsider', 'outsider'));
    for (const g of identity.groups) groups.append(el('span', 'tag', g));
    text.append(groups);
    chip.append(avatar(identity.email), text);
    chip.addEventListener('click', () => {
      choose(identity.email);
      input.focus();
    });
    list.append(chip);
  }
}

function renderExamples(examples) {
  const box = $('examples');
  for (const example of examples) {
    const chip = el('button', 'example', example);
    chip.type = 'button';
    chip.addEventListener('click', () => {
      input.value = example;
      hint('');
      input.focus();
    });
    box.append(chip);
  }
}

function time(iso) {
  const at = new Date(iso);
  return el(
    'time',
    'at',
    at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  );
}

function said(email, text, kind, at) {
  const line = el('div', 'said');
  const who = el('span', 'who', nameOf(email));
  who.title = email;
  const what =
    kind === 'decision'
      ? el('span', 'clicked', `clicked ${text}`)
      : kind === 'update'
        ? el('span', 'clicked', text)
        : el('code', 'typed', text);
  line.append(avatar(email), who, what);
  if (at) line.append(time(at));
  return line;
}

/** Both renderings of an entry's card; buttons decide. */
function cardsOf(entry) {
  const webex = el('figure', 'card webex');
  webex.append(el('figcaption', '', 'Webex'), renderAdaptive(entry.cards.webex, entry.cards.text, decide));
  const slack = el('figure', 'card slack');
  slack.append(el('figcaption', '', 'Slack preview'), renderSlack(entry.cards.slack.blocks, decide));
  const cards = el('div', 'cards');
  cards.append(webex, slack);
  return keepIdsWhole(cards);
}

/**
 * Shows an entry, or redraws its card when the request it shows has changed since (the card
 * follows its request, as a Slack card is updated in place).
 */
function showEntry(entry) {
  const known = shown.get(entry.id);
  if (known) {
    if (known.rev === entry.rev) return;
    known.article.querySelector('.cards').replaceWith(cardsOf(entry));
    known.article.dataset.status = String(entry.reply.status ?? '');
    known.rev = entry.rev;
    return;
  }
  $('empty')?.remove();
  const article = el('article', 'entry');
  article.dataset.id = String(entry.id);
  article.dataset.status = String(entry.reply.status ?? '');
  if (entry.requestId) article.dataset.request = entry.requestId;
  const bot = el('div', 'bot');
  bot.append(el('span', 'avatar bot-avatar', 'd'), el('span', 'who', 'domainops'), time(entry.at));
  article.append(keepIdsWhole(said(entry.as, entry.text, entry.kind)), bot, cardsOf(entry));
  // What the requester is told besides the card (notify destinations that could not be reached).
  for (const text of entry.notes ?? []) article.append(keepIdsWhole(el('p', 'entry-note', text)));
  shown.set(entry.id, { article, rev: entry.rev });
  // Entries arrive in order, but one answered to this page may come before an older poll's.
  const after = [...feed.querySelectorAll('article.entry[data-id]')].find(
    (a) => Number(a.dataset.id) > entry.id,
  );
  if (after) feed.insertBefore(article, after);
  else feed.append(article);
  article.scrollIntoView({ block: 'end', behavior: 'smooth' });
}

function notice(text) {
  $('empty')?.remove();
  const box = el('div', 'notice');
  box.append(...withCode(text));
  feed.append(keepIdsWhole(box));
  box.scrollIntoView({ block: 'end' });
}

/** A hint under the input (empty command, too long); '' clears it. */
function hint(text) {
  const box = $('composer-hint');
  box.replaceChildren(...withCode(text));
  box.hidden = text === '';
}

async function run(path, body, label, kind) {
  if (!me) {
    notice('Choose who you are first (under “You are”).');
    return false;
  }
  const pending = el('article', 'entry working');
  pending.append(keepIdsWhole(said(me, label, kind)), el('div', 'working-text', 'working…'));
  feed.append(pending);
  pending.scrollIntoView({ block: 'end' });
  waiting++;
  poll();
  try {
    const answer = await api('POST', path, { as: me, key: crypto.randomUUID(), ...body });
    pending.remove();
    if (answer.entry) showEntry(answer.entry);
    for (const entry of answer.updated ?? []) showEntry(entry);
    // Copies of the card sent to the rule's notify destinations.
    for (const entry of answer.added ?? []) showEntry(entry);
    return true;
  } catch (error) {
    pending.remove();
    if (error instanceof Offline)
      notice(
        `Not sent: domainops is not answering. ${kind === 'command' ? 'Your command is back in the box below; send it again' : 'Click again'} once the banner above is gone.`,
      );
    else notice(error.message);
    return false;
  } finally {
    waiting--;
  }
}

function decide(decision, requestId, reason) {
  return run(
    '/api/decide',
    { decision, requestId, ...(reason ? { reason } : {}) },
    `${decision} ${requestId}`,
    'decision',
  );
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (text === '') {
    hint('Type a command first, for example `help` (or pick one under “Try”).');
    input.focus();
    return;
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxInputBytes) {
    hint(`The command is too long: ${bytes} bytes, at most ${maxInputBytes}. Shorten it and send it again.`);
    return;
  }
  hint('');
  input.value = '';
  // Given back when it could not be sent, so nothing typed is lost.
  if (!(await run('/api/command', { text }, text, 'command')) && input.value === '') input.value = text;
});

input.addEventListener('input', () => hint(''));

/** Takes the conversation the server has; a new one (a restart) replaces what the page shows. */
function takeHistory(answer) {
  if (epoch !== undefined && answer.epoch !== epoch) {
    shown.clear();
    feed.replaceChildren();
    notice('domainops restarted: the conversation starts afresh.');
  }
  epoch = answer.epoch;
  for (const entry of answer.entries) showEntry(entry);
}

async function refresh() {
  try {
    takeHistory(await api('GET', '/api/history'));
  } catch {
    // The banner says the server is gone; the next poll tries again.
  }
}

/** Whether a card shown is of a request that is running now (its progress shows as it goes). */
function live() {
  return waiting > 0 || feed.querySelector('article.entry[data-status="executing"]') !== null;
}

let pollTimer;
let polling = false;
/**
 * Asks for new entries after a while: sooner while something runs. Called again while it waits
 * (a command sent), it asks sooner; while a poll is under way, that poll schedules the next.
 */
function poll() {
  if (polling) return;
  clearTimeout(pollTimer);
  pollTimer = setTimeout(
    async () => {
      polling = true;
      await refresh();
      polling = false;
      poll();
    },
    offline ? OFFLINE_POLL_MS : live() ? LIVE_POLL_MS : POLL_MS,
  );
}

/** Explains why choosing who you are is off, and how to use domainops instead. */
function showRefusal(session) {
  const box = $('refusal');
  box.hidden = false;
  const heading =
    session.refusalKind === 'real-targets'
      ? 'Connect Slack or Webex to use these targets'
      : 'Choosing who you are is off';
  const reason = el('p');
  reason.append(...withCode(session.refusal));
  const steps = el('ol', 'steps');
  for (const step of [
    'Add Slack (`chat.slack`) or Webex (`chat.webex`) to `domainops.yaml`: the README sections “Slack” and “Webex” say what to create and fill in.',
    'Check the config: `domainops check-config`.',
    'Start domainops again and talk to it in Slack or Webex, where the platform says who everyone is.',
  ]) {
    const item = el('li');
    item.append(...withCode(step));
    steps.append(item);
  }
  const exec = el('p', 'aside');
  exec.append(
    ...withCode(
      'On the server you can also run one command as someone: `domainops exec --as <email> "<command>"`.',
    ),
  );
  box.append(el('h1', '', heading), reason, el('h2', '', 'How to connect a chat platform'), steps, exec);
  document.body.classList.add('refused');
}

async function start() {
  let session;
  for (;;) {
    try {
      session = await api('GET', '/api/session');
      break;
    } catch (error) {
      if (!(error instanceof Offline)) {
        notice(`The playground could not start: ${error.message}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, OFFLINE_POLL_MS));
    }
  }
  $('banner').hidden = !session.sandbox;
  if (!session.picking) {
    showRefusal(session);
    return;
  }
  maxInputBytes = session.maxInputBytes ?? maxInputBytes;
  identities = session.identities;
  renderIdentities();
  renderExamples(session.examples);
  const saved = sessionStorage.getItem(STORAGE_KEY);
  choose(identities.some((i) => i.email === saved) ? saved : identities[0].email);
  input.focus();
  await refresh();
  poll();
}

start();
