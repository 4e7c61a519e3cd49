/**
 * StreamGate client: follow one generation over Server-Sent Events, WebSocket, long polling or
 * OpenAI-format SSE over fetch, and resume from the last seq after any drop, on every transport
 * alike. A plain ES module with no dependencies, served by the gateway at /js/streamgate.js:
 *
 *   import { createStream } from 'https://gateway.example/js/streamgate.js';
 *   const stream = createStream({ transport: 'sse', request: { messages: [{ role: 'user', content: 'Hi' }] } });
 *   for await (const event of stream) {
 *     if (event.type === 'token') output.append(event.text);   // 'token', then one 'done' or 'error'
 *   }
 *
 * Or with callbacks: stream.on('token' | 'started' | 'state' | 'dropped' | 'resumed' | 'done' | 'error', fn).
 * stream.cancel() stops the generation on the server; stream.drop() cuts the current connection
 * (the stream then resumes by itself); stream.close() stops listening and leaves the generation be.
 *
 * Against a gateway with API keys, pass `apiKey`: fetch calls send it as `Authorization: Bearer`,
 * and EventSource and WebSocket, which cannot send headers, use the one-generation stream ticket
 * the gateway issues for it. The key itself never goes in a URL.
 */

/** Reconnection: exponential backoff with jitter, capped, for at most maxAttempts failures in a row. */
export const DEFAULT_RETRY = Object.freeze({ baseMs: 250, capMs: 8000, maxAttempts: 8 });

/** After this long without a frame, ask the control plane whether the connection fell behind. */
export const DEFAULT_STALL_MS = 10_000;

/** Delay before retry number `attempt` (0-based): half the capped exponential, plus up to as much again at random. */
export function backoffDelay(attempt, retry = DEFAULT_RETRY, random = Math.random) {
  const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** What went wrong, with the server's stable code (see the README's problem table) when it gave one. */
export class StreamError extends Error {
  constructor(code, message, { status = 0, retryable = false } = {}) {
    super(message);
    this.name = 'StreamError';
    this.code = code;
    this.status = status;
    this.retryable = retryable;
  }
}

/**
 * The gateway that served this module (it lives at {gateway}/js/streamgate.js), or null when it was
 * not loaded over HTTP (a copy bundled into an app, a file under Node).
 */
const GATEWAY = /^https?:$/.test(new URL(import.meta.url).protocol) ? new URL('..', import.meta.url).href : null;

/**
 * Starts (with `request`) or resumes (with `id` and optionally `after`, the last seq you have) a
 * generation. Options: transport ('sse' | 'ws' | 'poll' | 'openai'), baseUrl (default: the gateway
 * this module was loaded from, context path included, e.g. https://host/streamgate), apiKey (for a gateway with keys), retry ({baseMs, capMs, maxAttempts}), stallMs (see
 * DEFAULT_STALL_MS; 0 turns the check off), and for non-browser hosts the platform's fetch,
 * EventSource and WebSocket constructors.
 */
export function createStream(options) {
  return new Stream(options);
}

/**
 * The transports by name. Each connect(session, handlers) starts the generation when the session
 * has no id yet (calling handlers.started(id)), then reads everything after session.after and
 * reports it through handlers.opened / frame / end / dropped. It returns { close(), kill()? }.
 */
export const transports = {
  sse: { label: 'Server-Sent Events', connect: connectSse },
  ws: { label: 'WebSocket', connect: connectWs, cancel: cancelWs },
  poll: { label: 'Long polling', connect: connectPoll },
  openai: { label: 'OpenAI-compatible SSE over fetch', connect: connectOpenAi },
};

class Stream {
  #transport;
  #session;
  #retry;
  #connection = null;
  #connectionNo = 0;
  #failures = 0;
  #timer = null;
  #stallMs;
  #stallTimer = null;
  #cancelWanted = false;
  #dropSeq = null;
  #listeners = new Map();
  #events = [];
  #waiting = [];
  #finished = false;
  #settle;

  constructor({ transport = 'sse', request, id, after = 0, baseUrl, apiKey, retry, stallMs = DEFAULT_STALL_MS, fetch, EventSource, WebSocket } = {}) {
    this.#transport = transports[transport];
    if (!this.#transport) throw new StreamError('invalid_transport', `Unknown transport "${transport}": use ${Object.keys(transports).join(', ')}.`);
    if (!request && !id) throw new StreamError('invalid_request', 'Give a request to start a generation, or the id of one to follow.');
    this.transport = transport;
    this.id = id ?? null;
    this.cursor = Number(after) || 0;
    this.text = '';
    this.tokens = 0;
    this.reconnects = 0;
    this.state = 'connecting';
    this.#retry = { ...DEFAULT_RETRY, ...retry };
    this.#stallMs = stallMs;
    this.#session = {
      base: (baseUrl ?? GATEWAY ?? globalThis.location?.origin ?? '').replace(/\/+$/, ''),
      request,
      id: this.id,
      after: this.cursor,
      apiKey: apiKey || null,
      ticket: null, // for EventSource and WebSocket when there is a key: see streamTicket()
      fetch: fetch ?? globalThis.fetch.bind(globalThis),
      EventSource: EventSource ?? globalThis.EventSource,
      WebSocket: WebSocket ?? globalThis.WebSocket,
    };
    this.result = new Promise((resolve) => (this.#settle = resolve));
    queueMicrotask(() => this.#connect());
  }

  /** Calls fn(event) for every event of this type; returns a function that unsubscribes. */
  on(type, fn) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(fn);
    return () => this.#listeners.get(type).delete(fn);
  }

  /** Token events, then exactly one done or error event. For one consumer at a time. */
  async *[Symbol.asyncIterator]() {
    while (true) {
      const event = this.#events.length ? this.#events.shift() : await new Promise((r) => this.#waiting.push(r));
      if (!event) return;
      yield event;
      if (event.type === 'done' || event.type === 'error') return;
    }
  }

  /** Cancels the generation on the server; resolves with the stream's result (finish reason 'cancelled' unless it had ended). */
  async cancel() {
    if (this.#finished) return this.result;
    this.#cancelWanted = true;
    if (this.id) await this.#requestCancel();
    return this.result;
  }

  /** Cuts the current connection as a network failure would; the stream resumes from its cursor. */
  drop() {
    if (this.#finished || !this.#connection) return false;
    this.#lose(this.#connectionNo, 'dropped on request', null, true);
    return true;
  }

  /** Stops following, leaving the generation running on the server for a later resume. */
  close() {
    if (this.#finished) return;
    this.#abandon();
    this.#finish({ type: 'closed', text: this.text, tokens: this.tokens }, 'closed');
  }

  #connect() {
    if (this.#finished) return;
    const no = ++this.#connectionNo;
    const resuming = this.reconnects > 0;
    this.#setState(resuming ? 'reconnecting' : 'connecting');
    this.#session.id = this.id;
    this.#session.after = this.cursor;
    const live = () => no === this.#connectionNo && !this.#finished;
    this.#watch(no); // from the start: a connection can also hang before it opens
    const handlers = {
      started: (id) => live() && this.#started(id),
      opened: () => {
        if (!live()) return;
        this.#failures = 0;
        this.#setState('streaming');
        this.#watch(no);
        if (resuming) this.#emit({ type: 'resumed', after: this.cursor, droppedAt: this.#dropSeq, reconnects: this.reconnects, transport: this.transport });
      },
      frame: (frame) => live() && this.#frame(no, frame),
      end: (end) => live() && this.#end(end),
      dropped: (reason, error) => live() && this.#lose(no, reason, error),
    };
    let connection;
    try {
      connection = this.#transport.connect(this.#session, handlers);
    } catch (error) {
      connection = Promise.reject(error);
    }
    Promise.resolve(connection).then(
      (c) => (live() ? (this.#connection = c) : closeQuietly(c)),
      (error) => handlers.dropped(error.message, error),
    );
  }

  #started(id) {
    this.id = id;
    this.#session.id = id;
    this.#emit({ type: 'started', id, transport: this.transport });
    if (this.#cancelWanted) this.#requestCancel();
  }

  #frame(no, { seq, firstSeq, text }) {
    const first = firstSeq ?? seq;
    if (seq <= this.cursor) return; // a frame we already have, sent again after a resubscribe
    if (first !== this.cursor + 1) {
      this.#lose(no, `expected seq ${this.cursor + 1}, got ${first}`);
      return;
    }
    this.cursor = seq;
    this.text += text;
    this.tokens += seq - first + 1;
    this.#failures = 0;
    if (this.state !== 'streaming') this.#setState('streaming');
    this.#watch(no);
    this.#emit({ type: 'token', seq, firstSeq: first, text, count: seq - first + 1, at: now() });
  }

  #end(end) {
    this.#abandon();
    if (end.type === 'done') {
      this.#finish({ type: 'done', finishReason: end.finishReason, tokens: end.tokens, text: this.text, id: this.id }, 'done');
    } else {
      this.#finish({ type: 'error', code: end.code, message: end.message, text: this.text, id: this.id }, 'failed');
    }
  }

  /** The connection `no` is gone: retry after a backoff, unless the failure is final. */
  #lose(no, reason, error = null, kill = false) {
    if (no !== this.#connectionNo || this.#finished) return;
    this.#abandon(kill);
    this.#dropSeq = this.cursor;
    this.#emit({ type: 'dropped', reason, at: this.cursor, transport: this.transport });
    if (error && !error.retryable) {
      this.#end({ type: 'error', code: error.code ?? 'client_error', message: error.message });
      return;
    }
    if (this.#failures >= this.#retry.maxAttempts) {
      this.#end({ type: 'error', code: 'unreachable', message: `Gave up after ${this.#failures} failed attempts: ${reason}` });
      return;
    }
    const delayMs = backoffDelay(this.#failures, this.#retry);
    this.#failures++;
    this.#setState('backoff', { delayMs, attempt: this.#failures, reason });
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reconnects++;
      this.#connect();
    }, delayMs);
  }

  /**
   * A connection can stay open yet deliver nothing (a proxy holding the response, a lost write).
   * Silence alone proves nothing, since models pause, so after stallMs of it the control plane is
   * asked: if the server has tokens past our cursor, or has ended, this connection is treated as lost.
   */
  #watch(no) {
    clearTimeout(this.#stallTimer);
    if (!this.#stallMs) return;
    this.#stallTimer = setTimeout(async () => {
      if (no !== this.#connectionNo || this.#finished) return;
      if (!this.id) return this.#watch(no); // still starting: the start request has its own outcome
      let server;
      try {
        server = await requestJson(this.#session, generationPath(this.id));
      } catch {
        server = null; // the connection itself will report a gateway that is gone
      }
      if (no !== this.#connectionNo || this.#finished) return;
      if (server && (server.tokens > this.cursor || server.state !== 'running')) {
        this.#lose(no, `stalled: the server is at seq ${server.tokens}, this connection delivered up to ${this.cursor}`);
      } else {
        this.#watch(no);
      }
    }, this.#stallMs);
  }

  /** Forgets the current connection (its late callbacks are ignored) and any pending retry; `kill` cuts a shared socket too. */
  #abandon(kill = false) {
    this.#connectionNo++;
    clearTimeout(this.#timer);
    clearTimeout(this.#stallTimer);
    this.#timer = null;
    closeQuietly(this.#connection, kill);
    this.#connection = null;
  }

  async #requestCancel() {
    const cancel = this.#transport.cancel ?? cancelHttp;
    try {
      await cancel(this.#session);
    } catch (error) {
      // The stream's own connection still delivers the end; a failed DELETE only means it may not be 'cancelled'.
      this.#emit({ type: 'warning', message: `cancel failed: ${error.message}` });
    }
  }

  #finish(event, state) {
    this.#finished = true;
    this.#setState(state, event.finishReason ? { finishReason: event.finishReason } : {});
    if (event.type !== 'closed') this.#emit(event);
    this.#settle({ id: this.id, text: this.text, tokens: this.tokens, reconnects: this.reconnects, ...event });
    for (const wake of this.#waiting.splice(0)) wake(null);
    this.#events.push(null);
  }

  #setState(state, detail = {}) {
    this.state = state;
    this.#emit({ type: 'state', state, ...detail });
  }

  #emit(event) {
    if (event.type === 'token' || event.type === 'done' || event.type === 'error') {
      const wake = this.#waiting.shift();
      if (wake) wake(event);
      else this.#events.push(event);
    }
    for (const fn of this.#listeners.get(event.type) ?? []) {
      try {
        fn(event);
      } catch (error) {
        console.error('streamgate listener failed', error); // a listener's bug must not break the stream
      }
    }
  }
}

function closeQuietly(connection, kill = false) {
  if (!connection) return;
  try {
    (kill && connection.kill ? connection.kill : connection.close).call(connection);
  } catch {
    // already closed: nothing left to release
  }
}

const now = () => globalThis.performance?.now() ?? Date.now();

// ---- HTTP: the control plane, shared by every transport ----

/** fetch with the session's key, if any; a failure to connect at all is a retryable StreamError. */
async function send(session, path, init = {}) {
  const headers = { ...init.headers };
  if (session.apiKey) headers.Authorization = `Bearer ${session.apiKey}`;
  try {
    return await session.fetch(session.base + path, { ...init, headers });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new StreamError('network', `network error: ${error.message}`, { retryable: true });
  }
}

async function requestJson(session, path, init = {}) {
  const response = await send(session, path, init);
  if (!response.ok) throw await refusal(response);
  return response.json().catch(() => null);
}

/** The StreamError for a refused request: problem+json on /api, OpenAI's {"error":{…}} envelope on /v1. */
async function refusal(response) {
  const body = await response.json().catch(() => null);
  const problem = body?.error ?? body;
  const status = response.status;
  return new StreamError(problem?.code ?? `http_${status}`, problem?.detail ?? problem?.message ?? `HTTP ${status}`, {
    status,
    retryable: status >= 500 || status === 429 || status === 408,
  });
}

const generationPath = (id) => `/api/generations/${encodeURIComponent(id)}`;

/** POST /api/generations when the session has no generation yet. */
async function ensureStarted(session, handlers) {
  if (session.id) return;
  const created = await requestJson(session, '/api/generations', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(session.request),
  });
  session.id = created.id;
  session.ticket = created.ticket ?? null; // only a gateway with keys issues one
  handlers.started(created.id);
}

/**
 * The stream ticket for EventSource and WebSocket URLs, which cannot carry the key: none without a
 * key, else the one the creation answered, else a new one from POST /api/tickets.
 */
async function streamTicket(session) {
  if (!session.apiKey) return null;
  if (!session.ticket) {
    const issued = await requestJson(session, '/api/tickets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ generation: session.id }),
    });
    session.ticket = issued.ticket;
  }
  return session.ticket;
}

/**
 * EventSource and WebSocket hide why a connection was refused, so ask the control plane with the
 * key: its own refusal (no key, a wrong key, no such generation) is final; if it answers, the
 * ticket may have expired, so the next attempt gets a fresh one.
 */
async function whyRefused(session, failure) {
  try {
    await requestJson(session, session.id ? generationPath(session.id) : '/api/models');
  } catch (error) {
    return error.retryable ? failure : error;
  }
  session.ticket = null;
  return failure;
}

function cancelHttp(session) {
  return requestJson(session, generationPath(session.id), { method: 'DELETE' });
}

// ---- Server-Sent Events ----

async function connectSse(session, handlers) {
  await ensureStarted(session, handlers);
  const ticket = await streamTicket(session);
  // A new EventSource cannot set Last-Event-ID, so the cursor goes in ?after=.
  const query = `?after=${session.after}${ticket ? `&ticket=${encodeURIComponent(ticket)}` : ''}`;
  const source = new session.EventSource(`${session.base}${generationPath(session.id)}/events${query}`);
  let opened = false;
  const json = (event) => JSON.parse(event.data);
  source.onopen = () => {
    opened = true;
    handlers.opened();
  };
  source.addEventListener('token', (event) => {
    const data = json(event);
    handlers.frame({ seq: data.seq, firstSeq: data.first_seq, text: data.text });
  });
  source.addEventListener('done', (event) => {
    source.close(); // or EventSource would reconnect when the response ends
    const data = json(event);
    handlers.end({ type: 'done', finishReason: data.finish_reason, tokens: data.tokens });
  });
  source.addEventListener('error', (event) => {
    source.close(); // our backoff and cursor, not EventSource's own reconnect, so every transport resumes alike
    if (typeof event.data === 'string') {
      const data = json(event); // the generation's own `event: error`, not a connection failure
      handlers.end({ type: 'error', code: data.code, message: data.message });
    } else if (opened) {
      handlers.dropped('SSE connection lost');
    } else {
      whyRefused(session, null).then((error) => handlers.dropped(error?.message ?? 'SSE connection failed', error));
    }
  });
  return { close: () => source.close() };
}

// ---- Long polling ----

async function connectPoll(session, handlers) {
  await ensureStarted(session, handlers);
  const abort = new AbortController();
  let after = session.after;
  let open = true;
  (async () => {
    let first = true;
    while (open) {
      let page;
      try {
        page = await requestJson(session, `${generationPath(session.id)}/poll?after=${after}&wait=25`, { signal: abort.signal });
      } catch (error) {
        if (open) handlers.dropped(error.message, error);
        return;
      }
      if (!open) return;
      if (first) {
        first = false;
        handlers.opened();
      }
      if (page.tokens.length) {
        // One response is one frame, like a coalesced SSE or WebSocket frame.
        handlers.frame({ seq: page.last_seq, firstSeq: page.tokens[0].seq, text: page.tokens.map((t) => t.text).join('') });
        after = page.last_seq;
      }
      if (page.done) {
        open = false;
        handlers.end(page.error ? { type: 'error', ...page.error } : { type: 'done', finishReason: page.finish_reason, tokens: page.last_seq });
      }
    }
  })();
  return {
    close: () => {
      open = false;
      abort.abort();
    },
  };
}

// ---- WebSocket: one socket per gateway (per ticket with a key), shared by every stream on it ----

const sockets = new Map();
let refs = 0;

/** The open socket to this gateway (one per base URL), shared by the streams that follow generations on it. */
class SharedSocket {
  #socket;
  #byId = new Map();
  #byRef = new Map();
  #opened;

  #gone;

  constructor(url, WebSocketImpl, onGone) {
    this.#gone = () => onGone(this);
    this.#socket = new WebSocketImpl(url);
    this.#opened = new Promise((resolve, reject) => {
      this.#socket.onopen = () => resolve();
      this.#socket.onerror = () => reject(new StreamError('network', 'WebSocket failed', { retryable: true }));
    });
    this.#opened.catch(() => {}); // each join() reports it
    this.#socket.onmessage = (event) => this.#route(JSON.parse(event.data));
    this.#socket.onclose = (event) => {
      this.#gone();
      const members = new Set([...this.#byId.values(), ...this.#byRef.values()]);
      this.#byId.clear();
      this.#byRef.clear();
      for (const member of members) member.closed(`WebSocket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
    };
  }

  async join(member) {
    await this.#opened;
    if (!this.open) {
      // Closed while this stream waited (a drop, or the server's close on its way through): retry on a fresh socket.
      throw new StreamError('network', 'WebSocket closed', { retryable: true });
    }
    if (member.id) this.#byId.set(member.id, member);
    else this.#byRef.set(member.ref, member);
  }

  /** A stream stops listening: unsubscribed if it had not ended, and the last one out closes the socket. */
  leave(member) {
    const following = this.#byId.get(member.id) === member;
    if (following) this.#byId.delete(member.id);
    if (this.#byRef.get(member.ref) === member) this.#byRef.delete(member.ref);
    if (this.#byId.size === 0 && this.#byRef.size === 0) {
      this.#gone(); // the next stream opens a fresh socket rather than join this closing one
      this.#socket.close(1000, 'no generation followed');
    } else if (following && this.open) {
      this.send({ type: 'unsubscribe', id: member.id }); // frees the server's follower and this socket's stream slot
    }
  }

  send(message) {
    this.#socket.send(JSON.stringify(message));
  }

  get open() {
    return this.#socket.readyState === 1;
  }

  /** Closing or closed: its onclose may not have run yet, but no new stream may join it. */
  get closing() {
    return this.#socket.readyState > 1;
  }

  kill() {
    this.#gone(); // the reconnect opens a fresh socket rather than join this closing one
    this.#socket.close(4000, 'dropped by the client');
  }

  #route(message) {
    let member = message.id ? this.#byId.get(message.id) : undefined;
    if (!member && message.ref) {
      member = this.#byRef.get(message.ref);
      if (member && message.type === 'started') {
        this.#byRef.delete(message.ref);
        member.id = message.id;
        this.#byId.set(message.id, member);
      }
    }
    member?.message(message); // frames of a generation nobody follows any more are dropped
  }
}

/** A ticketed socket may only read its ticket's generation, so with a key each generation gets its own. */
function socketUrl(session, ticket) {
  return `${session.base.replace(/^http/, 'ws')}/ws${ticket ? `?ticket=${encodeURIComponent(ticket)}` : ''}`;
}

function sharedSocket(session, ticket) {
  const url = socketUrl(session, ticket);
  let socket = sockets.get(url);
  if (!socket || socket.closing) {
    socket = new SharedSocket(url, session.WebSocket, (gone) => sockets.get(url) === gone && sockets.delete(url));
    sockets.set(url, socket);
  }
  return socket;
}

async function connectWs(session, handlers) {
  // A ticketed socket may not generate: with a key, start over fetch, then subscribe with the ticket.
  if (session.apiKey) await ensureStarted(session, handlers);
  const socket = sharedSocket(session, await streamTicket(session));
  const member = {
    id: session.id,
    ref: session.id ? null : `r${++refs}`,
    message(m) {
      if (m.type === 'started') {
        session.id = m.id;
        handlers.started(m.id);
      } else if (m.type === 'token') {
        handlers.frame({ seq: m.seq, firstSeq: m.first_seq, text: m.text });
      } else if (m.type === 'done') {
        socket.leave(member);
        handlers.end({ type: 'done', finishReason: m.finish_reason, tokens: m.tokens });
      } else if (m.type === 'error') {
        socket.leave(member);
        handlers.end({ type: 'error', code: m.code, message: m.message });
      }
    },
    closed: (reason) => handlers.dropped(reason),
  };
  try {
    await socket.join(member);
  } catch (error) {
    throw await whyRefused(session, error);
  }
  socket.send(member.id ? { type: 'subscribe', id: member.id, after: session.after } : { type: 'generate', request: session.request, ref: member.ref });
  handlers.opened();
  return { close: () => socket.leave(member), kill: () => socket.kill() };
}

function cancelWs(session) {
  const socket = sockets.get(socketUrl(session, session.apiKey ? session.ticket : null));
  if (socket?.open) {
    socket.send({ type: 'cancel', id: session.id });
    return Promise.resolve();
  }
  return cancelHttp(session);
}

// ---- OpenAI-compatible SSE over fetch, as most LLM front-ends read it ----

/**
 * POST /v1/chat/completions with "stream":true, or, to resume, GET /v1/chat/completions/{id} with
 * Last-Event-ID: every chunk's SSE id is the cursor after it. A chunk carries no first seq, but the
 * gateway resumes exactly after our cursor, so each chunk's text starts right after the previous id.
 */
async function connectOpenAi(session, handlers) {
  const abort = new AbortController();
  const response = session.id
    ? await send(session, `/v1/chat/completions/chatcmpl-${encodeURIComponent(session.id)}`, {
        headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(session.after) },
        signal: abort.signal,
      })
    : await send(session, '/v1/chat/completions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ ...session.request, stream: true }),
        signal: abort.signal,
      });
  if (!response.ok) throw await refusal(response);
  const started = (id) => {
    if (session.id || !id) return;
    session.id = id;
    handlers.started(id);
  };
  started(response.headers.get('X-StreamGate-Generation'));
  handlers.opened();

  let open = true;
  let last = session.after;
  let end = null; // the finish or in-band error, delivered at [DONE]
  const parser = createSseParser();
  const onEvent = ({ id, data }) => {
    if (data === '[DONE]') {
      open = false;
      abort.abort(); // nothing follows [DONE]; release the connection now
      if (end) handlers.end(end);
      else handlers.dropped('OpenAI stream ended with [DONE] but no finish');
      return;
    }
    const chunk = JSON.parse(data);
    if (typeof chunk.id === 'string' && chunk.id.startsWith('chatcmpl-')) started(chunk.id.slice('chatcmpl-'.length));
    if (chunk.error) {
      const { code, message } = chunk.error;
      // The gateway reports a cancel in-band as an error, OpenAI style; the other transports call it a finish.
      end = code === 'cancelled' ? { type: 'done', finishReason: 'cancelled', tokens: last } : { type: 'error', code: code ?? 'error', message };
      return;
    }
    const choice = chunk.choices?.[0];
    const text = choice?.delta?.content;
    if (text) {
      const seq = Number(id);
      if (!Number.isSafeInteger(seq)) throw new Error(`a chunk whose id is not a seq: "${id}"`);
      handlers.frame({ seq, firstSeq: last + 1, text });
      last = seq;
    }
    if (choice?.finish_reason) end = { type: 'done', finishReason: choice.finish_reason, tokens: last };
  };
  (async () => {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      while (open) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          onEvent(event);
          if (!open) return;
        }
      }
      if (open) {
        open = false;
        if (end) handlers.end(end); // the server's word was said; only [DONE] went missing
        else handlers.dropped('OpenAI stream ended early');
      }
    } catch (error) {
      if (!open) return; // closed or finished by us
      open = false;
      abort.abort();
      handlers.dropped(`OpenAI stream lost: ${error.message}`); // a cut body or a garbled chunk: resume from the cursor
    }
  })();
  return {
    close: () => {
      open = false;
      abort.abort();
    },
  };
}

/**
 * Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 * for a body read in arbitrary pieces: push(text) answers the events completed by it, as {id, event, data}.
 * `id` is the last event id seen so far, as EventSource keeps it.
 */
export function createSseParser() {
  let buffer = '';
  let id = '';
  let event = '';
  let data = [];
  let first = true;
  let afterCr = false; // a line ended with CR: an LF right after it belongs to the same line end
  return {
    push(text) {
      buffer += text;
      if (first && buffer.length) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      if (afterCr && buffer.length) {
        if (buffer[0] === '\n') buffer = buffer.slice(1);
        afterCr = false;
      }
      const events = [];
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        const line = buffer.slice(start, i);
        if (c === '\r' && i + 1 === buffer.length) afterCr = true;
        else if (c === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
        if (line === '') {
          if (data.length) events.push({ id, event: event || 'message', data: data.join('\n') });
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue; // a comment, such as a keepalive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
      buffer = buffer.slice(start);
      return events;
    },
  };
}
