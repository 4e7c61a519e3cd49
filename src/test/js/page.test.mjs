// The demo page in real Chromium (Debian's /usr/bin/chromium through playwright-core) against a
// running StreamGate: every answer the page renders must equal the server's text for it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, SCREENSHOTS, launchChromium } from './browser.mjs';
import { API_KEY, BASE_URL, KEYED_URL, TRANSPORTS, status } from './support.mjs';

const haveChromium = existsSync(CHROMIUM);
// The one rule (Required.java): everything must run unless STREAMGATE_REQUIRE_ALL=false says a
// missing tool may skip its tests; then the skip is reported, and counted by JavaScriptClientIT.
const requireAll = (process.env.STREAMGATE_REQUIRE_ALL ?? 'true') !== 'false';
if (!haveChromium && requireAll) {
  throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium; .ci/run does), or set STREAMGATE_REQUIRE_ALL=false to skip the page tests`);
}
const skip = haveChromium ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium): skipped, STREAMGATE_REQUIRE_ALL=false`;
const WAIT = { timeout: 30_000 };

/** Answers a test reads to their end: 80 tokens in about two thirds of a second. */
const SPEED = { ttft: 20, rate: 120, maxTokens: 80 };

describe('the chat page', { skip }, () => {
  let browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(() => browser?.close());

  /** A fresh page on the chat, with the given transport and speed; fails the test on any page error. */
  async function openChat(t, { transport = 'sse', viewport = { width: 1280, height: 860 }, speed = SPEED, base = BASE_URL, apiKey } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    // Chromium logs every refused request; on the gateway with keys, the page's first look (no key yet) is one.
    const expected = (text) => base !== BASE_URL && /status of 401/.test(text);
    page.on('console', (message) => message.type() === 'error' && !expected(message.text()) && errors.push(new Error(message.text())));
    t.after(() => assert.deepEqual(errors.map(String), [], 'the page logged no errors'));
    await page.goto(`${base}/`);
    if (apiKey) {
      await page.getByLabel('API key').fill(apiKey);
      await page.getByLabel('API key').dispatchEvent('change');
      await page.getByRole('status').getByText('Ready', { exact: true }).waitFor(WAIT); // the models listed with the key
    }
    await page.getByRole('option', { name: 'simulated' }).waitFor({ state: 'attached', ...WAIT });
    await page.getByRole('combobox', { name: 'Model' }).selectOption('simulated');
    await chooseTransport(page, transport);
    await setRange(page, 'Time to first token', speed.ttft);
    await setRange(page, 'Speed', speed.rate);
    await page.getByLabel('Max tokens').fill(String(speed.maxTokens));
    return page;
  }

  async function chooseTransport(page, transport) {
    const label = { sse: 'SSE', ws: 'WebSocket', poll: 'Long polling', openai: 'OpenAI' }[transport];
    await page.getByRole('group', { name: 'Transport for the next answer' }).getByText(label, { exact: true }).click();
    assert.ok(await page.getByRole('radio', { name: label, exact: true }).isChecked());
  }

  async function setRange(page, label, value) {
    await page.getByLabel(label).evaluate((input, v) => {
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
  }

  async function ask(page, prompt) {
    await page.getByLabel('Message to the model').fill(prompt);
    await page.getByRole('button', { name: 'Send' }).click();
    const answers = page.locator('article.message.assistant');
    const answer = answers.nth((await answers.count()) - 1);
    await answer.waitFor(WAIT);
    return answer;
  }

  /** Waits until the answer has rendered at least n tokens (by the page's own counter). */
  async function tokensRendered(page, n) {
    try {
      await page.waitForFunction((min) => Number(document.getElementById('fig-tokens').textContent) >= min, n, WAIT);
    } catch (error) {
      throw new Error(`${error.message}\n${await diagnose(page)}`);
    }
  }

  /** What the page and the server say, for a failure message. */
  async function diagnose(page) {
    const shown = await page.evaluate(() => ({
      state: document.getElementById('state').textContent,
      status: document.getElementById('status').textContent,
      tokens: document.getElementById('fig-tokens').textContent,
      answer: document.querySelector('article.message.assistant:last-of-type')?.dataset,
      notes: [...document.querySelectorAll('.note')].map((n) => n.textContent),
    }));
    const id = shown.answer?.generationId;
    const server = id ? await status(id).catch((e) => e.message) : 'no generation id yet';
    return `page: ${JSON.stringify(shown)}\nserver: ${JSON.stringify(server).slice(0, 300)}`;
  }

  async function finished(answer, state, where = {}) {
    try {
      await answer.and(answer.page().locator(`[data-state="${state}"]`)).waitFor(WAIT);
    } catch (error) {
      throw new Error(`${error.message}\n${await diagnose(answer.page())}`);
    }
    const id = await answer.getAttribute('data-generation-id');
    const rendered = await answer.locator('.text').evaluate((node) => node.textContent);
    return { id, rendered, server: await status(id, where) };
  }

  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      test('renders exactly the text the server generated', async (t) => {
        const page = await openChat(t, { transport });
        const answer = await ask(page, `Explain ${transport} in one paragraph`);
        const { rendered, server } = await finished(answer, 'completed');
        assert.equal(server.state, 'completed');
        assert.equal(rendered, server.text);
        assert.equal(await page.locator('#fig-tokens').textContent(), String(server.tokens));
        assert.equal(await answer.getAttribute('data-transport'), transport);
        // The line under a finished answer sums it up; it no longer waits for a first token.
        const meta = await answer.locator('.meta').textContent();
        assert.match(meta, new RegExp(`^${server.tokens} tokens · .+ · first token in \\d`), meta);
        assert.ok(!meta.includes('waiting'), meta);
      });

      test('resumes by itself after "Drop connection", losing and repeating nothing', async (t) => {
        // 160 tokens at 40 a second: after the 8th, about 4 s of answer are left for the click to
        // land in, over ten times what a click takes on a loaded machine
        const page = await openChat(t, { transport, speed: { ...SPEED, rate: 40, maxTokens: 160 } });
        const answer = await ask(page, `Drop me over ${transport}`);
        await tokensRendered(page, 8);
        await page.getByRole('button', { name: 'Drop connection' }).click();
        const { rendered, server } = await finished(answer, 'completed');
        assert.equal(rendered, server.text);
        assert.ok(Number(await answer.getAttribute('data-resumes')) >= 1, 'the answer records a resume');
        await answer.locator('.note.resume').first().waitFor(WAIT);
        assert.match(await answer.locator('.note.resume').first().textContent(), /Resumed over .* from seq \d+/);
        assert.ok(Number(await page.locator('#fig-reconnects').textContent()) >= 1);
      });

      test('"Stop" cancels the generation on the server', async (t) => {
        // 400 tokens at 60 a second: over six seconds of answer left for the click to stop
        const page = await openChat(t, { transport, speed: { ...SPEED, rate: 60, maxTokens: 400 } });
        const answer = await ask(page, `Stop me over ${transport}`);
        await tokensRendered(page, 5);
        await page.getByRole('button', { name: 'Stop' }).click();
        const { rendered, server } = await finished(answer, 'cancelled');
        assert.equal(server.state, 'cancelled');
        assert.equal(rendered, server.text);
        assert.ok(server.tokens < 400);
      });
    });
  }

  test('sends the conversation so far, and switches transports between turns', async (t) => {
    const page = await openChat(t, { transport: 'poll' });
    const bodies = [];
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/generations') && bodies.push(r.postDataJSON()));
    const first = await finished(await ask(page, 'First question'), 'completed');
    await chooseTransport(page, 'sse');
    const second = await finished(await ask(page, 'And a follow-up'), 'completed');
    assert.equal(second.rendered, second.server.text);
    assert.deepEqual(bodies.at(-1).messages, [
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: first.server.text },
      { role: 'user', content: 'And a follow-up' },
    ]);
  });

  test('looks like a product (screenshots of a finished answer, wide and narrow)', async (t) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Slow and long enough that "Drop connection" is still enabled when clicked, even on a loaded machine.
    const speed = { ttft: 150, rate: 60, maxTokens: 140 };
    const page = await openChat(t, { transport: 'ws', speed, viewport: { width: 1280, height: 900 } });
    await finished(await ask(page, 'Explain server-sent events'), 'completed');
    const answer = await ask(page, 'WebSocket or long polling for a chat app?');
    await tokensRendered(page, 20);
    await page.getByRole('button', { name: 'Drop connection' }).click();
    const { rendered, server } = await finished(answer, 'completed');
    assert.equal(rendered, server.text);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat.png') });

    const narrow = await openChat(t, { transport: 'sse', viewport: { width: 390, height: 844 }, speed });
    const small = await finished(await ask(narrow, 'Why do tokens sometimes arrive in bursts?'), 'completed');
    assert.equal(small.rendered, small.server.text);
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'nothing is wider than a phone screen');
    await narrow.screenshot({ path: join(SCREENSHOTS, 'chat-narrow.png'), fullPage: true });
  });

  test('looks like a product over the OpenAI transport too (screenshot)', async (t) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const page = await openChat(t, { transport: 'openai', speed: { ttft: 150, rate: 60, maxTokens: 140 }, viewport: { width: 1280, height: 900 } });
    const answer = await ask(page, 'Why do tokens sometimes arrive in bursts?');
    await tokensRendered(page, 20);
    await page.getByRole('button', { name: 'Drop connection' }).click();
    const { rendered, server } = await finished(answer, 'completed');
    assert.equal(rendered, server.text);
    assert.match(await page.locator('#transport-hint').textContent(), /\/v1\/chat\/completions/);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-openai.png') });
  });

  describe('on a gateway with API keys', { skip: KEYED_URL && API_KEY ? false : 'STREAMGATE_KEYED_URL and STREAMGATE_API_KEY not set' }, () => {
    const withKey = { base: KEYED_URL, apiKey: API_KEY };

    for (const transport of TRANSPORTS) {
      test(`streams over ${transport} with the key from the API key field, which never goes in a URL`, async (t) => {
        const page = await openChat(t, { transport, ...withKey });
        const urls = [];
        page.on('request', (request) => urls.push(request.url()));
        page.on('websocket', (socket) => urls.push(socket.url()));
        const answer = await ask(page, `Keyed ${transport}`);
        const { rendered, server } = await finished(answer, 'completed', withKey);
        assert.equal(rendered, server.text);
        assert.ok(urls.length > 0);
        for (const url of urls) assert.ok(!url.includes(API_KEY), `the key is not in ${url}`);
        assert.equal(await page.evaluate(() => sessionStorage.getItem('streamgate.api-key')), API_KEY);
        assert.equal(await page.evaluate(() => localStorage.length), 0);
      });
    }

    test('without a key, says the gateway needs one', async (t) => {
      const page = await openChat(t, { base: KEYED_URL });
      await page.getByRole('status').getByText(/needs an API key/).waitFor(WAIT);
      const answer = await ask(page, 'No key');
      await answer.and(page.locator('[data-state="failed"]')).waitFor(WAIT);
      assert.match(await answer.locator('.note.error').textContent(), /\(unauthorized\)/);
    });
  });
});

describe('the compare view', { skip }, () => {
  let browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(() => browser?.close());

  async function openCompare(t, { viewport = { width: 1280, height: 1000 } } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    page.on('console', (message) => message.type() === 'error' && errors.push(new Error(message.text())));
    t.after(() => assert.deepEqual(errors.map(String), [], 'the page logged no errors'));
    await page.goto(`${BASE_URL}/#compare`);
    await page.getByRole('heading', { name: 'Which transport? Race them.' }).waitFor(WAIT);
    return page;
  }

  /** Fills the race's settings, presses Race, and waits for the verdict; returns each column and the server's view. */
  async function race(page, { tokens, rate, ttft, latency = 'none', drops = 'none', reader = 'keeps up' }) {
    await page.getByLabel('Tokens', { exact: true }).fill(String(tokens));
    await page.getByLabel('Tokens / s').fill(String(rate));
    await page.getByLabel('First token after (ms)').fill(String(ttft));
    await page.getByLabel('Added latency').selectOption({ label: latency });
    await page.getByLabel('Drops').selectOption({ label: drops });
    await page.getByLabel('Reader').selectOption({ label: reader });
    await page.getByRole('button', { name: 'Race' }).click();
    const verdict = page.locator('#verdict');
    await page.locator('#verdict[data-outcome="done"], #verdict[data-outcome="failed"]').waitFor({ timeout: 60_000 });
    const id = await page.locator('#columns').getAttribute('data-generation-id');
    const columns = await page.locator('.column').evaluateAll((nodes) =>
      nodes.map((c) => ({
        transport: c.dataset.transport,
        state: c.dataset.state,
        text: c.querySelector('.column-text').textContent,
        ttftMs: Number(c.dataset.ttftMs),
        reconnects: Number(c.dataset.reconnects),
      })),
    );
    return { verdict: await verdict.textContent(), outcome: await verdict.getAttribute('data-outcome'), columns, server: await status(id) };
  }

  function assertEveryColumnHasTheServersText({ columns, server, verdict, outcome }) {
    assert.equal(server.state, 'completed');
    assert.deepEqual(columns.map((c) => c.transport), TRANSPORTS, 'a column for every transport');
    for (const column of columns) {
      assert.equal(column.state, 'done', column.transport);
      assert.equal(column.text, server.text, `${column.transport} shows exactly the server's text`);
    }
    assert.equal(outcome, 'done', verdict);
    assert.ok(verdict.startsWith(`All 4 texts are identical, and equal to the gateway's own (${server.text.length} characters).`), verdict);
  }

  test('streams one generation over every transport at once, each column with the exact text', async (t) => {
    const page = await openCompare(t);
    const result = await race(page, { tokens: 60, rate: 60, ttft: 20 });
    assertEveryColumnHasTheServersText(result);
    assert.match(result.verdict, / finished first/);
    for (const column of result.columns) assert.equal(column.reconnects, 0, column.transport);
  });

  test('with drops, every column resumes and still ends with the exact text (screenshot)', async (t) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // 200 tokens at 40/s stream for at least 5 s on the server, so the cut at 3 s finds every column connected.
    const page = await openCompare(t);
    const result = await race(page, { tokens: 200, rate: 40, ttft: 100, drops: 'cut every connection every 3 s' });
    assertEveryColumnHasTheServersText(result);
    for (const column of result.columns) assert.ok(column.reconnects > 0, `${column.transport} reconnected: ${column.reconnects}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png') });
  });

  test('with added latency, long polling pays it on its first token and the push transports do not', async (t) => {
    const page = await openCompare(t);
    // The first token exists 1.5 s after the generation starts (after Race is pressed). A long poll's
    // answer is held the added 1 s, so its first token shows after 2.5 s at the earliest, whatever the
    // machine. SSE, WebSocket and fetch paid the 1 s once, while the generation was still thinking,
    // so theirs show after 1.5 s plus their own delivery time (tens of ms; the bound allows 1 s).
    const result = await race(page, { tokens: 20, rate: 50, ttft: 1500, latency: '1 s per round trip' });
    assertEveryColumnHasTheServersText(result);
    const ttft = Object.fromEntries(result.columns.map((c) => [c.transport, c.ttftMs]));
    assert.ok(ttft.poll >= 2500, `long polling's first token after ${ttft.poll} ms`);
    for (const push of ['sse', 'ws', 'openai']) {
      assert.ok(ttft[push] >= 1500 && ttft[push] < 2500, `${push}'s first token after ${ttft[push]} ms`);
    }
    assert.match(result.verdict, /Long polling \+\d/, 'long polling finished last, and the page says by how much');
  });

  test('ten EventSource streams: over HTTP/1.1 no more than six run at once; over one WebSocket all ten do', async (t) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const page = await openCompare(t);
    // Each stream runs at least 4 s on the server: the four that wait for a connection wait that long.
    await page.getByLabel('Tokens', { exact: true }).fill('120');
    await page.getByLabel('Tokens / s').fill('30');
    await page.getByLabel('First token after (ms)').fill('100');
    const result = page.locator('#many-result');
    const run = async (label) => {
      await page.getByRole('combobox', { name: 'Transport' }).selectOption({ label });
      await page.getByRole('button', { name: 'Open 10 streams' }).click();
      await page.locator('#many-result[data-outcome="running"]').waitFor(WAIT);
      await page.locator('#many-result[data-outcome="done"]').waitFor({ timeout: 90_000 });
      return { mostAtOnce: Number(await result.getAttribute('data-most-at-once')), waited: Number(await result.getAttribute('data-waited')), text: await result.textContent() };
    };

    const sse = await run('SSE');
    assert.ok(sse.mostAtOnce <= 6, sse.text);
    assert.ok(sse.waited >= 4, sse.text);
    assert.match(sse.text, /^10 SSE streams over HTTP\/1\.1: at most [1-6] streamed at once\. \d+ got no token until another stream had ended/);
    await page.locator('#many-lanes').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-many.png'), fullPage: true });

    const ws = await run('WebSocket');
    assert.equal(ws.mostAtOnce, 10, ws.text);
    assert.equal(ws.waited, 0, ws.text);
  });

  test('fits a phone (screenshot at 390 px)', async (t) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const page = await openCompare(t, { viewport: { width: 390, height: 844 } });
    const result = await race(page, { tokens: 40, rate: 60, ttft: 20, reader: 'slow: one frame per 50 ms' });
    assertEveryColumnHasTheServersText(result);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'nothing is wider than a phone screen');
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-narrow.png'), fullPage: true });
  });
});
