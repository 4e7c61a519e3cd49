// The client module (/js/streamgate.js) under Node against a real StreamGate, and against a second
// one that requires API keys. Node 20 has fetch but neither EventSource nor WebSocket, so the tests
// hand the client the `eventsource` and `ws` packages: the same W3C interfaces a browser has, so
// the client's own code runs unchanged.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { backoffDelay, createSseParser, createStream, DEFAULT_RETRY, transports } from '../../main/webapp/js/streamgate.js';
import { API_KEY, BASE_URL, KEYED_URL, TRANSPORTS, createGeneration, finalStatus, simulatedRequest, status } from './support.mjs';

// stallMs: silence before the client asks the server whether it fell behind. 15 s, ten times the
// longest pause these generations have, so a loaded machine's scheduling never passes for a stall
// (the tests that count reconnects as 0 rely on it).
const platform = { baseUrl: BASE_URL, EventSource, WebSocket, retry: { baseMs: 50, capMs: 400, maxAttempts: 6 }, stallMs: 15000 };
const open = (options) => createStream({ ...platform, ...options });

/** `ws` as a browser's WebSocket, whose close is reported a second after it happens; records a send once closing. */
class SlowToClose {
  static sentWhileClosing = [];
  onopen = null;
  onmessage = null;
  onerror = null;
  onclose = null;
  #socket;

  constructor(url, protocols) {
    this.#socket = new WebSocket(url, protocols);
    this.#socket.onopen = (event) => this.onopen?.(event);
    this.#socket.onmessage = (event) => this.onmessage?.(event);
    this.#socket.onerror = (event) => this.onerror?.(event);
    this.#socket.onclose = (event) => setTimeout(() => this.onclose?.(event), 1000);
  }

  get readyState() {
    return this.#socket.readyState;
  }

  send(data) {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(data);
    else SlowToClose.sentWhileClosing.push(data);
  }

  close(code, reason) {
    this.#socket.close(code, reason);
  }
}

async function collect(stream) {
  const events = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('streamgate.js', () => {
  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      test('reassembles exactly the text the server reports', async () => {
        const stream = open({ transport, request: simulatedRequest(`complete over ${transport}`) });
        const events = await collect(stream);
        const end = events.at(-1);
        assert.equal(end.type, 'done');
        assert.equal(end.finishReason, 'stop'); // the simulated model reached its `length`
        const server = await status(stream.id);
        assert.equal(server.state, 'completed');
        assert.equal(stream.text, server.text);
        assert.equal(events.filter((e) => e.type === 'token').map((e) => e.text).join(''), server.text);
        assert.equal(stream.tokens, server.tokens);
        assert.equal(stream.cursor, server.tokens);
        assert.equal(stream.reconnects, 0);
        assert.equal(stream.state, 'done');
      });

      test('resumes from its cursor after a dropped connection, losing and repeating nothing', async () => {
        const stream = open({ transport, request: simulatedRequest(`drop over ${transport}`, { seed: 11 }) });
        const seen = { dropped: [], resumed: [], states: [] };
        stream.on('token', () => stream.tokens >= 10 && seen.dropped.length === 0 && stream.drop());
        stream.on('dropped', (e) => seen.dropped.push(e));
        stream.on('resumed', (e) => seen.resumed.push(e));
        stream.on('state', (e) => seen.states.push(e.state));
        const result = await stream.result;
        const server = await status(stream.id);
        assert.equal(result.type, 'done');
        assert.equal(result.text, server.text);
        assert.equal(result.tokens, server.tokens);
        // At least one: a resumed connection that then stalls is itself dropped and resumed (see #watch).
        assert.ok(stream.reconnects >= 1);
        assert.equal(seen.dropped[0].reason, 'dropped on request');
        assert.ok(seen.dropped[0].at >= 10, `dropped at seq ${seen.dropped[0].at}`);
        assert.equal(seen.resumed[0].after, seen.dropped[0].at);
        assert.equal(seen.resumed.length, stream.reconnects);
        assert.deepEqual(seen.states.slice(seen.states.indexOf('backoff'), seen.states.indexOf('backoff') + 3), ['backoff', 'reconnecting', 'streaming']);
      });

      test('cancel stops the generation on the server', async () => {
        const stream = open({ transport, request: simulatedRequest(`stop over ${transport}`, { tokens: 400, rate: 50 }) });
        stream.on('token', () => stream.tokens >= 5 && stream.cancel());
        const result = await stream.result;
        assert.equal(result.type, 'done');
        assert.equal(result.finishReason, 'cancelled');
        const server = await status(stream.id);
        assert.equal(server.state, 'cancelled');
        assert.equal(stream.text, server.text);
        assert.ok(server.tokens < 400);
      });

      test('follows an existing generation from a given cursor', async () => {
        const id = await createGeneration(simulatedRequest(`resume over ${transport}`, { rate: 400 }));
        const done = await finalStatus(id);
        const after = 17;
        const stream = open({ transport, id, after });
        const events = await collect(stream);
        assert.equal(events.at(-1).type, 'done');
        const skipped = await skippedText(id, after);
        assert.equal(skipped + stream.text, done.text);
        assert.equal(stream.cursor, done.tokens);
      });

      test('reports an unknown generation as not_found without retrying', async () => {
        const stream = open({ transport, id: 'gen_doesNotExist' });
        const events = await collect(stream);
        assert.deepEqual(events.map((e) => [e.type, e.code]), [['error', 'not_found']]);
        assert.equal(stream.reconnects, 0);
        assert.equal(stream.state, 'failed');
      });

      test('reports an unknown model as a clear error without retrying', async () => {
        const stream = open({ transport, request: { ...simulatedRequest(`no model over ${transport}`), model: 'no-such-model' } });
        const events = await collect(stream);
        // /v1 speaks OpenAI's code for it; the StreamGate API its own.
        const code = transport === 'openai' ? 'model_not_found' : 'unknown_model';
        assert.deepEqual(events.map((e) => [e.type, e.code]), [['error', code]]);
        assert.match(events[0].message, /no-such-model'; available: .*simulated/);
        assert.equal(stream.reconnects, 0);
        assert.equal(stream.id, null);
      });

      test("reports a failed generation's error after its tokens", async () => {
        const stream = open({ transport, request: simulatedRequest(`fail over ${transport}`, { fail_after: 12 }) });
        const events = await collect(stream);
        const end = events.at(-1);
        assert.equal(end.type, 'error');
        assert.equal(end.code, 'model_error');
        const server = await status(stream.id);
        assert.equal(server.state, 'failed');
        assert.equal(stream.text, server.text);
        assert.equal(stream.tokens, 12);
      });
    });
  }

  test('one generation can start on one transport and finish on another', async () => {
    const first = open({ transport: 'ws', request: simulatedRequest('switch transports', { seed: 3 }) });
    await new Promise((resolve) => first.on('token', () => first.tokens >= 8 && resolve()));
    first.close();
    const { id, cursor, text } = first;
    const second = open({ transport: 'poll', id, after: cursor });
    const third = await second.result;
    const server = await finalStatus(id);
    assert.equal(third.type, 'done');
    assert.equal(text + third.text, server.text);
  });

  test('several streams share one WebSocket and each gets its own tokens', async () => {
    const streams = [1, 2, 3].map((seed) => open({ transport: 'ws', request: simulatedRequest(`shared socket ${seed}`, { seed }) }));
    const results = await Promise.all(streams.map((s) => s.result));
    for (const [i, result] of results.entries()) {
      assert.equal(result.type, 'done');
      assert.equal(result.text, (await status(streams[i].id)).text);
    }
    assert.equal(new Set(results.map((r) => r.id)).size, 3);
  });

  test('a dropped WebSocket stream resumes on a fresh socket, never on the one still closing', async () => {
    // The killed socket reports its close a second late (a loaded machine, or a slow network, does
    // that to a close handshake). The retry comes well before: it must not join the closing socket
    // and send its subscribe there, which a browser drops and logs as an error.
    const stream = open({ transport: 'ws', WebSocket: SlowToClose, request: simulatedRequest('drop while closing', { seed: 5 }) });
    stream.on('token', () => stream.tokens >= 10 && stream.reconnects === 0 && stream.drop());
    const result = await stream.result;
    assert.equal(result.type, 'done');
    assert.equal(result.text, (await status(stream.id)).text);
    assert.deepEqual(SlowToClose.sentWhileClosing, [], 'nothing sent on the closing socket');
    assert.equal(stream.reconnects, 1, 'resumed once, on a fresh socket');
  });

  test('gives up with unreachable after maxAttempts failures in a row', async () => {
    const stream = createStream({ transport: 'poll', baseUrl: 'http://127.0.0.1:9', request: simulatedRequest('nowhere'), retry: { baseMs: 1, capMs: 2, maxAttempts: 3 } });
    const backoffs = [];
    stream.on('state', (e) => e.state === 'backoff' && backoffs.push(e.attempt));
    const result = await stream.result;
    assert.equal(result.type, 'error');
    assert.equal(result.code, 'unreachable');
    assert.deepEqual(backoffs, [1, 2, 3]);
  });

  test('backoff doubles from the base, stays within the cap, and jitters within the upper half', () => {
    const retry = { baseMs: 100, capMs: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, retry, () => 0)), [50, 100, 200, 400, 500, 500]);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, retry, () => 1)), [100, 200, 400, 800, 1000, 1000]);
    assert.ok(DEFAULT_RETRY.capMs >= DEFAULT_RETRY.baseMs);
  });

  test('rejects an unknown transport, and lists the known ones', () => {
    assert.deepEqual(Object.keys(transports), ['sse', 'ws', 'poll', 'openai']);
    assert.throws(() => open({ transport: 'carrier-pigeon', request: simulatedRequest('x') }), { code: 'invalid_transport' });
  });

  test('the OpenAI transport sends the OpenAI request with stream:true and the simulation settings', async () => {
    const bodies = [];
    const recording = (url, init) => {
      if (init?.method === 'POST') bodies.push({ url, body: JSON.parse(init.body) });
      return fetch(url, init);
    };
    const request = simulatedRequest('openai body', { seed: 5 });
    const result = await open({ transport: 'openai', request, fetch: recording }).result;
    assert.equal(result.type, 'done');
    assert.deepEqual(bodies, [{ url: `${BASE_URL}/v1/chat/completions`, body: { ...request, stream: true } }]);
  });

  test('parses Server-Sent Events split anywhere, with CRLF, comments and multi-line data', () => {
    const parser = createSseParser();
    const wire = '\uFEFF: stream\r\nid: 1\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: keepalive\n\nid: 2\rdata: [DONE]\r\r';
    const events = [];
    for (let i = 0; i < wire.length; i += 3) events.push(...parser.push(wire.slice(i, i + 3)));
    assert.deepEqual(events, [
      { id: '1', event: 'message', data: '{"a":\n1}' },
      { id: '2', event: 'message', data: '[DONE]' },
    ]);
  });

  test('the gateway serves this very module at /js/streamgate.js', async () => {
    const response = await fetch(`${BASE_URL}/js/streamgate.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /javascript/);
    const source = await readFile(new URL('../../main/webapp/js/streamgate.js', import.meta.url), 'utf8');
    assert.equal(await response.text(), source);
  });
});

/** The text of seqs 1..after, read with the long-poll API itself. */
async function skippedText(id, after) {
  const response = await fetch(`${BASE_URL}/api/generations/${id}/poll?after=0&wait=0`);
  const page = await response.json();
  return page.tokens.filter((t) => t.seq <= after).map((t) => t.text).join('');
}

describe('against a gateway with API keys', { skip: KEYED_URL && API_KEY ? false : 'STREAMGATE_KEYED_URL and STREAMGATE_API_KEY not set' }, () => {
  /** Every URL the client opens and every Authorization header it sends, to check where the key goes. */
  function recorder() {
    const seen = { urls: [], authorized: [] };
    const fetchSpy = (url, init = {}) => {
      seen.urls.push(String(url));
      if (init.headers?.Authorization) seen.authorized.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
      return fetch(url, init);
    };
    const EventSourceSpy = class extends EventSource {
      constructor(url, init) {
        seen.urls.push(String(url));
        super(url, init);
      }
    };
    const WebSocketSpy = class extends WebSocket {
      constructor(url, protocols) {
        seen.urls.push(String(url));
        super(url, protocols);
      }
    };
    return { seen, platform: { fetch: fetchSpy, EventSource: EventSourceSpy, WebSocket: WebSocketSpy } };
  }

  const keyed = (options) => createStream({ ...platform, baseUrl: KEYED_URL, ...options });

  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      test('streams, resumes after a drop, and never puts the key in a URL', async () => {
        const { seen, platform: spies } = recorder();
        const stream = keyed({ transport, apiKey: API_KEY, ...spies, request: simulatedRequest(`keyed over ${transport}`, { seed: 21 }) });
        stream.on('token', () => stream.tokens >= 10 && stream.reconnects === 0 && stream.drop());
        const result = await stream.result;
        assert.equal(result.type, 'done', JSON.stringify(result));
        assert.ok(stream.reconnects >= 1);
        const server = await status(stream.id, { base: KEYED_URL, apiKey: API_KEY });
        assert.equal(server.state, 'completed');
        assert.equal(result.text, server.text);
        assert.ok(seen.authorized.length > 0, 'fetch calls carry the key');
        for (const url of seen.urls) assert.ok(!url.includes(API_KEY), `the key is not in ${url}`);
        if (transport === 'sse' || transport === 'ws') {
          const opened = seen.urls.filter((url) => /\/events\?|\/ws\?/.test(url));
          assert.ok(opened.length >= 2 && opened.every((url) => /[?&]ticket=/.test(url)), `ticketed: ${opened}`);
        }
      });

      test('cancels with the key', async () => {
        const stream = keyed({ transport, apiKey: API_KEY, request: simulatedRequest(`keyed stop over ${transport}`, { tokens: 400, rate: 50 }) });
        stream.on('token', () => stream.tokens >= 5 && stream.cancel());
        const result = await stream.result;
        assert.equal(result.finishReason, 'cancelled');
        const server = await status(stream.id, { base: KEYED_URL, apiKey: API_KEY });
        assert.equal(server.state, 'cancelled');
        assert.equal(result.text, server.text);
      });

      test('without a key, or with a wrong one, fails at once with unauthorized', async () => {
        for (const apiKey of [undefined, 'sk-not-a-key']) {
          const stream = keyed({ transport, apiKey, request: simulatedRequest(`no key over ${transport}`) });
          const events = await collect(stream);
          assert.deepEqual(events.map((e) => [e.type, e.code]), [['error', 'unauthorized']], `key ${apiKey}`);
          assert.equal(stream.reconnects, 0);
          assert.equal(stream.state, 'failed');
        }
      });

      test('follows an existing generation of the same key with a fresh ticket', async () => {
        const created = await fetch(`${KEYED_URL}/api/generations`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
          body: JSON.stringify(simulatedRequest(`keyed follow over ${transport}`, { rate: 400 })),
        });
        assert.equal(created.status, 201);
        const { id } = await created.json();
        const server = await finalStatus(id, { base: KEYED_URL, apiKey: API_KEY });
        const stream = keyed({ transport, apiKey: API_KEY, id, after: 5 });
        const result = await stream.result;
        assert.equal(result.type, 'done');
        assert.ok(server.text.endsWith(result.text) && result.text.length > 0);
        assert.equal(stream.cursor, server.tokens);
      });
    });
  }
});
