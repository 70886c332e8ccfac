import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptableFake } from '../../../adapters/sandbox-http.ts';
import { MAX_INPUT_BYTES } from '../../../src/core/grammar/parse.ts';
import { createGate } from '../../helpers/gate.ts';
import { type Playground, startPlayground } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || process.env.CI !== undefined;
if (!available) {
  console.warn(
    `playground browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium); in CI it runs`,
  );
}

const LAUNCH = {
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

/** Whether the page scrolls sideways (something is wider than the window). */
const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

describe.skipIf(!available)('playground in headless Chromium', () => {
  let pg: Playground;
  let browser: Browser;
  let page: Page;
  let stopped = false;
  const problems: string[] = [];

  beforeAll(async () => {
    pg = await startPlayground();
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // CSP violations and script errors show up here: the page must have none.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (!stopped) await pg?.stop();
  });

  const as = (name: string) => page.locator('.identity', { hasText: name }).click();
  const entries = () => page.locator('article.entry:not(.working)');
  const lastEntry = () => entries().last();

  it('alice asks, her own approval is refused, bob approves, the result card shows', async () => {
    await page.goto(pg.url);
    await expect.poll(() => page.locator('#banner').isVisible()).toBe(true);

    await as('alice@corp.com');
    await page.fill('#text', 'unclaim abc.com');
    await page.press('#text', 'Enter');
    const approval = entries().first();
    await approval.locator('.webex .ac-pushButton', { hasText: 'Approve' }).waitFor();
    expect(await approval.locator('.webex').textContent()).toMatch(/SANDBOX/);
    expect(await approval.locator('.slack').textContent()).toMatch(/SANDBOX/);
    expect(await approval.locator('.slack .slack-button').count()).toBe(2);

    // alice clicks Approve on her own request (the Webex card's button).
    await approval.locator('.webex .ac-pushButton', { hasText: 'Approve' }).click();
    await expect.poll(() => entries().count()).toBe(2);
    const refused = await lastEntry().textContent();
    expect(refused).toMatch(/requester|own request|cannot approve/i);

    // bob clicks Approve (the Slack preview's button works too).
    await as('bob@corp.com');
    await approval.locator('.slack .slack-button', { hasText: 'Approve' }).click();
    await expect.poll(() => entries().count()).toBe(3);
    const result = lastEntry();
    expect(await result.locator('.webex').textContent()).toMatch(/Unclaimed abc\.com/);
    expect(await result.locator('.slack').textContent()).toMatch(/Unclaimed abc\.com/);

    // alice's card followed its request, as Slack updates a card in place: no "0 of 1", no buttons.
    await expect.poll(() => approval.locator('.webex').textContent()).toMatch(/Unclaimed abc\.com/);
    expect(await approval.locator('.slack').textContent()).toMatch(/Unclaimed abc\.com/);
    expect(await approval.textContent()).not.toMatch(/0 of 1/);
    expect(await approval.locator('.webex .ac-pushButton').count()).toBe(0);
    expect(await approval.locator('.slack .slack-button').count()).toBe(0);
    // The history stays below it: alice's refused click, then bob's.
    expect(await entries().nth(1).textContent()).toMatch(/cannot approve/i);
    expect(await entries().nth(2).locator('.said').textContent()).toMatch(/bob.*clicked approve r-/i);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/domainops-playground.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('keeps the conversation across a reload, cards as they are now', async () => {
    await page.reload();
    await expect.poll(() => page.locator('article.entry').count()).toBe(3);
    expect(await entries().first().locator('.webex').textContent()).toMatch(/Unclaimed abc\.com/);
    expect(await entries().first().locator('.webex .ac-pushButton').count()).toBe(0);
  });

  it('keeps request ids whole (no break after r-) and exact to copy', async () => {
    const ids = page.locator('article.entry .rid');
    expect(await ids.count()).toBeGreaterThan(3);
    for (const id of await ids.all()) {
      expect(await id.textContent()).toMatch(/^r-[a-z0-9]{8}$/);
      expect(await id.evaluate((node) => getComputedStyle(node).whiteSpace)).toBe('nowrap');
    }
  });

  it('a failed validate shows the record to publish exactly, in code, on both cards', async () => {
    await as('carol@corp.com');
    const before = await entries().count();
    await page.fill('#text', 'validate corp.ru');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    const card = lastEntry();
    // The record name in code wherever it is shown (the error, its hint, the DNS table's record).
    const codes = await card.locator('.slack .slack-code', { hasText: 'yc-domain' }).allTextContents();
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(code).toBe('_yc-domain-validation.corp.ru');
    const runs = await card.locator('.webex .ac-richTextBlock span').allTextContents();
    expect(runs).toContain('_yc-domain-validation.corp.ru');
    expect(await card.textContent()).not.toMatch(/[\u02cd\u200b]/);
    // Slack does not italicise underscores inside words (vendor_operation_failed).
    expect(await card.locator('.slack em').count()).toBe(0);
    // Emoji are pictures: they show on machines with no emoji font.
    expect(await card.locator('.slack .slack-header img.emoji').count()).toBe(1);
  });

  it('takes a command up to the real limit and says when one is too long; long words wrap', async () => {
    await as('alice@corp.com');
    const before = await entries().count();
    // A word of 4000 characters: sent (the input does not cut it) and shown wrapped.
    const long = `unclaim ${'a'.repeat(3980)}.com`;
    await page.fill('#text', long);
    expect(await page.inputValue('#text')).toBe(long);
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    expect(await lastEntry().locator('.typed').textContent()).toBe(long);
    expect(await scrollsSideways(page)).toBe(false);
    // Over the limit: said at once, nothing is sent, the text stays to be shortened.
    const tooLong = 'x'.repeat(MAX_INPUT_BYTES + 1);
    await page.fill('#text', tooLong);
    await page.press('#text', 'Enter');
    await expect
      .poll(() => page.locator('#composer-hint').textContent())
      .toMatch(new RegExp(`too long: ${MAX_INPUT_BYTES + 1} bytes, at most ${MAX_INPUT_BYTES}`));
    expect(await page.inputValue('#text')).toBe(tooLong);
    expect(await entries().count()).toBe(before + 1);
  });

  it('wraps long values inside the Webex card instead of cutting them off (the Webex reference URL)', async () => {
    await as('alice@corp.com');
    const before = await entries().count();
    await page.fill('#text', 'unverify example.org');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    await as('bob@corp.com');
    await lastEntry().locator('.slack .slack-button', { hasText: 'Approve' }).click();
    await expect.poll(() => entries().count()).toBe(before + 2);
    const webex = lastEntry().locator('.webex');
    expect(await webex.textContent()).toMatch(/Webex reference/);
    const clipped = await webex.evaluate((card) =>
      [...card.querySelectorAll<HTMLElement>('.ac-textBlock, .ac-richTextBlock, .ac-factset')]
        .filter((node) => node.scrollWidth > node.clientWidth + 1)
        .map((node) => node.textContent),
    );
    expect(clipped).toEqual([]);
  });

  it('an empty command gets a hint instead of nothing', async () => {
    await page.fill('#text', '   ');
    await page.press('#text', 'Enter');
    expect(await page.locator('#composer-hint').isVisible()).toBe(true);
    expect(await page.locator('#composer-hint').textContent()).toMatch(/Type a command first.*help/);
    await page.fill('#text', 'h');
    expect(await page.locator('#composer-hint').isVisible()).toBe(false);
  });

  it('fits a phone: no sideways scroll, the people list above the conversation, never over it', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload();
      await expect.poll(() => entries().count()).toBeGreaterThan(3);
      expect(await scrollsSideways(page)).toBe(false);
      // Both measured at once: the page may still be scrolling to the newest entry.
      const [side, chat] = await page.evaluate(() =>
        ['.side', '.chat'].map((s) => document.querySelector(s)!.getBoundingClientRect().toJSON()),
      );
      expect(side.bottom).toBeLessThanOrEqual(chat.top);
      expect(side.right).toBeLessThanOrEqual(390);
      // Scrolled down into the conversation, what shows there is the conversation.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
      const hit = await page.evaluate(() => {
        const node = document.elementFromPoint(195, 300);
        return node?.closest('.side') ? 'side' : node?.closest('.chat') ? 'chat' : 'other';
      });
      expect(hit).toBe('chat');
      await page.screenshot({ path: '/tmp/domainops-playground-phone.png' });
    } finally {
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  });

  it('shows markup typed or echoed back as text, never as HTML', async () => {
    await as('carol@corp.com');
    const before = await entries().count();
    await page.fill('#text', 'domain <img src=x onerror="window.pwned=1">**x**.com');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    expect(await page.locator('#feed img:not(.emoji)').count()).toBe(0);
    expect(await lastEntry().locator('.typed').textContent()).toContain('<img src=x');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('shows a running batch live: its card changes in place as items finish, then every outcome', async () => {
    // The Webex fake holds the first unverify it gets until the gate opens: one item finishes, one runs.
    const webex = (pg.sandbox.vendors.webex as unknown as { fake: ScriptableFake }).fake;
    const gate = createGate();
    webex.fault({ kind: 'hold', until: () => gate.wait() }, { path: /\/actions\/unverifyDomain$/ });
    await as('alice@corp.com');
    const before = await entries().count();
    await page.fill('#text', 'unverify labs.corp.com partner.org --remove-pending');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    const card = lastEntry();
    expect(await card.locator('.webex').textContent()).toMatch(/Approval needed: UNVERIFY 2 domains/);
    await as('bob@corp.com');
    await card.locator('.webex .ac-pushButton', { hasText: 'Approve' }).click();
    await gate.reached;
    try {
      // While bob's approval runs the batch, alice's card shows how far it got, in place (progress
      // is stored at most once a second, and the page asks every second while something runs).
      await expect
        .poll(() => card.locator('.webex').textContent(), { timeout: 10_000 })
        .toMatch(/Running: .*\(1 of 2 done\)/);
      expect(await card.locator('.slack').textContent()).toMatch(/Running now \(1\).*Succeeded \(1\)/s);
      expect(await card.locator('.webex .ac-pushButton').count()).toBe(0);
      expect(await entries().count()).toBe(before + 1);
    } finally {
      gate.open();
    }
    await expect.poll(() => entries().count()).toBe(before + 2);
    for (const shown of [card, lastEntry()]) {
      await expect.poll(() => shown.locator('.webex').textContent()).toMatch(/Done: unverify 2 domains/);
      const slack = await shown.locator('.slack').textContent();
      expect(slack).toMatch(/Succeeded \(2\)/);
      expect(slack).toMatch(/labs\.corp\.com/);
      expect(slack).toMatch(/partner\.org/);
    }
    expect(await lastEntry().locator('.said').textContent()).toMatch(/bob.*clicked approve r-/i);
  });

  it('a DNS check shows its record exactly, the values to copy shaded as Webex shades them', async () => {
    await as('carol@corp.com');
    const before = await entries().count();
    await page.fill('#text', 'dns-check sso.corp.ru in yc-sso');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(before + 1);
    const webex = lastEntry().locator('.webex');
    // The title names the record: exact, no look-alike for its underscore.
    expect(await webex.textContent()).toMatch(
      /_yc-domain-validation\.sso\.corp\.ru is served by every nameserver/,
    );
    expect(await lastEntry().textContent()).not.toMatch(/[\u02cd\u200b]/);
    // The record's name, type and value are in emphasis containers, shaded.
    const shaded = await webex.evaluate((node) =>
      [...node.querySelectorAll<HTMLElement>('.ac-container')]
        .filter(
          (c) =>
            c.textContent?.includes('Record value') &&
            ![...c.querySelectorAll('.ac-container')].some((d) => d.textContent?.includes('Record value')),
        )
        .map((c) => getComputedStyle(c).backgroundColor),
    );
    expect(shaded.length).toBeGreaterThan(0);
    // An opaque shade, as Webex shows it (the renderer's default is 3% black: invisible).
    for (const color of shaded) {
      expect(color).toMatch(/^rgb\(/);
      expect(color).not.toBe('rgb(255, 255, 255)');
    }
    expect(problems).toEqual([]);
  });

  it('says plainly that the server is gone (not "Failed to fetch") and gives the command back', async () => {
    await pg.stop();
    stopped = true;
    await page.fill('#text', 'whoami');
    await page.press('#text', 'Enter');
    await page.locator('#offline').waitFor();
    expect(await page.locator('#offline').textContent()).toMatch(/not answering.*npm start/s);
    expect(await page.locator('#feed').textContent()).not.toMatch(/Failed to fetch/);
    expect(await page.inputValue('#text')).toBe('whoami');
  });
});

describe.skipIf(!available)('playground with real targets and no chat platform', () => {
  it('explains how to connect Slack or Webex, with no empty panels or stray backticks', async () => {
    const pg = await startPlayground({ sandboxFlag: false });
    const browser = await chromium.launch(LAUNCH);
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(pg.url);
      const refusal = page.locator('#refusal');
      await refusal.waitFor();
      expect(await refusal.locator('h1').textContent()).toMatch(/Connect Slack or Webex/);
      const text = (await refusal.textContent()) ?? '';
      expect(text).not.toContain('`');
      expect(text).toMatch(/check-config/);
      expect(await refusal.locator('code', { hasText: 'chat:' }).count()).toBe(1);
      // Nothing to choose and nothing to type: the empty "You are" and "Try" are not shown.
      expect(await page.locator('.side').isVisible()).toBe(false);
      expect(await page.locator('#composer').isVisible()).toBe(false);
      await page.screenshot({ path: '/tmp/domainops-playground-refused.png' });
    } finally {
      await browser.close();
      await pg.stop();
    }
  });
});
