// The playground page: choose who you are, type commands, see each reply as a Webex card and
// a Slack preview, click Approve / Deny. Talks only to this server's /api.
import { renderAdaptive, renderSlack } from './render.js';

const $ = (id) => document.getElementById(id);
const feed = $('feed');
const input = $('text');
const STORAGE_KEY = 'domainops.playground.as';

let identities = [];
let me;
let lastId = 0;
const shown = new Set();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  let json = {};
  try {
    json = await response.json();
  } catch {
    // An empty or non-JSON answer is reported by status below.
  }
  if (!response.ok) throw new Error(json.error?.message ?? `the server answered ${response.status}`);
  return json;
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
  $('speaker').replaceChildren(avatar(email), el('span', '', nameOf(email)));
  input.focus();
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
    chip.addEventListener('click', () => choose(identity.email));
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

function showEntry(entry) {
  if (shown.has(entry.id)) return;
  shown.add(entry.id);
  lastId = Math.max(lastId, entry.id);
  $('empty')?.remove();
  const article = el('article', 'entry');
  article.dataset.status = String(entry.reply.status ?? '');
  const webex = el('figure', 'card webex');
  webex.append(el('figcaption', '', 'Webex'), renderAdaptive(entry.cards.webex, entry.cards.text, decide));
  const slack = el('figure', 'card slack');
  slack.append(el('figcaption', '', 'Slack preview'), renderSlack(entry.cards.slack.blocks, decide));
  const cards = el('div', 'cards');
  cards.append(webex, slack);
  const bot = el('div', 'bot');
  bot.append(el('span', 'avatar bot-avatar', 'd'), el('span', 'who', 'domainops'), time(entry.at));
  article.append(said(entry.as, entry.text, entry.kind), bot, cards);
  feed.append(article);
  article.scrollIntoView({ block: 'end', behavior: 'smooth' });
}

function notice(text) {
  $('empty')?.remove();
  const box = el('div', 'notice', text);
  feed.append(box);
  box.scrollIntoView({ block: 'end' });
}

async function run(path, body, label, kind) {
  if (!me) {
    notice('Choose who you are first (on the left).');
    return;
  }
  const pending = el('article', 'entry working');
  pending.append(said(me, label, kind), el('div', 'working-text', 'working…'));
  feed.append(pending);
  pending.scrollIntoView({ block: 'end' });
  try {
    const answer = await api('POST', path, { as: me, key: crypto.randomUUID(), ...body });
    pending.remove();
    if (answer.entry) showEntry(answer.entry);
  } catch (error) {
    pending.remove();
    notice(error.message);
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

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  run('/api/command', { text }, text, 'command');
});

async function refresh() {
  try {
    const { entries } = await api('GET', '/api/history');
    for (const entry of entries) if (entry.id > lastId || !shown.has(entry.id)) showEntry(entry);
  } catch {
    // The next poll tries again.
  }
}

async function start() {
  let session;
  try {
    session = await api('GET', '/api/session');
  } catch (error) {
    notice(`The playground could not start: ${error.message}`);
    return;
  }
  $('banner').hidden = !session.sandbox;
  if (!session.picking) {
    const refusal = $('refusal');
    refusal.hidden = false;
    refusal.append(el('strong', '', 'Choosing who you are is off. '), session.refusal);
    for (const node of document.querySelectorAll('#composer input, #composer button')) node.disabled = true;
    document.body.classList.add('refused');
    return;
  }
  identities = session.identities;
  renderIdentities();
  renderExamples(session.examples);
  const saved = sessionStorage.getItem(STORAGE_KEY);
  choose(identities.some((i) => i.email === saved) ? saved : identities[0].email);
  await refresh();
  setInterval(refresh, 4000);
}

start();
