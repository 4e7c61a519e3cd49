// The page over HTTPS with HTTP/2 (the launcher's STREAMGATE_TLS_CERT, a self-signed certificate
// Http2IT makes) in Debian's Chromium: ten EventSource streams on one page all run at once, over
// one connection, where over HTTP/1.1 (page.test.mjs) no more than six do.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SCREENSHOTS, launchChromium } from './browser.mjs';

const TLS_URL = process.env.STREAMGATE_TLS_URL;
if (!TLS_URL) throw new Error('STREAMGATE_TLS_URL is not set: Http2IT runs this file against a gateway with TLS');

let browser;

before(async () => {
  browser = await launchChromium();
});

after(() => browser?.close());

test('ten EventSource streams run at once over one HTTP/2 connection', async (t) => {
  // The certificate is the test's own, made for 127.0.0.1: trusted by this context alone.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1, ignoreHTTPSErrors: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${TLS_URL}/#compare`);
  await page.getByLabel('Tokens', { exact: true }).fill('120');
  await page.getByLabel('Tokens / s').fill('30');
  await page.getByLabel('First token after (ms)').fill('100');
  await page.getByRole('combobox', { name: 'Transport' }).selectOption({ label: 'SSE' });
  await page.getByRole('button', { name: 'Open 10 streams' }).click();
  const result = page.locator('#many-result');
  await page.locator('#many-result[data-outcome="running"]').waitFor({ timeout: 30_000 });
  await page.locator('#many-result[data-outcome="done"]').waitFor({ timeout: 90_000 });
  const text = await result.textContent();
  assert.equal(await result.getAttribute('data-most-at-once'), '10', text);
  assert.equal(await result.getAttribute('data-waited'), '0', text);
  assert.equal(text, '10 SSE streams over HTTP/2: at most 10 streamed at once.');

  const streams = await page.evaluate(() =>
    performance.getEntriesByType('resource').filter((e) => e.name.includes('/events')).map((e) => e.nextHopProtocol),
  );
  assert.equal(streams.length, 10, 'ten event streams');
  assert.deepEqual([...new Set(streams)], ['h2'], 'every one over HTTP/2');
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.locator('#many-lanes').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'compare-many-h2.png'), fullPage: true });
  assert.deepEqual(errors.map(String), [], 'the page logged no errors');
});
