import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || process.env.CI !== undefined;
if (!available) {
  console.warn(
    `playground browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium); in CI it runs`,
  );
}

describe.skipIf(!available)('playground in headless Chromium', () => {
  let pg: Playground;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    pg = await startPlayground();
    browser = await chromium.launch({
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
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    // CSP violations and script errors show up here: the page must have none.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await pg?.stop();
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

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/domainops-playground.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('keeps the conversation across a reload', async () => {
    await page.reload();
    await expect.poll(() => page.locator('article.entry').count()).toBe(3);
  });

  it('shows markup typed or echoed back as text, never as HTML', async () => {
    await as('carol@corp.com');
    await page.fill('#text', 'domain <img src=x onerror="window.pwned=1">**x**.com');
    await page.press('#text', 'Enter');
    await expect.poll(() => entries().count()).toBe(4);
    expect(await page.locator('#feed img').count()).toBe(0);
    expect(await lastEntry().locator('.typed').textContent()).toContain('<img src=x');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });
});
