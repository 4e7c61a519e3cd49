/**
 * A simulated network for the demo page, made in the browser and nowhere else: the gateway is not
 * told and behaves as always. It wraps the fetch, EventSource and WebSocket that createStream()
 * accepts, so the client's own code runs unchanged over it.
 *
 *   latencyMs   every HTTP answer, and the opening of every push connection, is held this long: a
 *               long poll pays it on each round trip, SSE, WebSocket and a streamed fetch once per
 *               connection (after that their frames flow as they arrive).
 *   frameMs     a slow reader: each frame is handed on this long after the one before. A fetch body
 *               is read that slowly, so TCP pushes back on the server; EventSource and WebSocket
 *               cannot be paused by a page, so their frames wait in the browser instead.
 *
 * Drops are not made here: the page calls stream.drop(), which cuts the connection as a lost
 * network does.
 */
export function simulatedNetwork({ latencyMs = 0, frameMs = 0 } = {}) {
  return {
    fetch: (url, init = {}) => delayedFetch(url, init, latencyMs, frameMs),
    EventSource: class extends HeldEventSource {
      constructor(url, init) {
        super(url, init, latencyMs, frameMs);
      }
    },
    WebSocket: class extends HeldWebSocket {
      constructor(url, protocols) {
        super(url, protocols, latencyMs, frameMs);
      }
    },
  };
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

async function delayedFetch(url, init, latencyMs, frameMs) {
  const response = await fetch(url, init);
  if (latencyMs) await sleep(latencyMs, init.signal);
  if (!frameMs || !response.body) return response;
  const reader = response.body.getReader();
  const slow = new ReadableStream({
    async pull(controller) {
      await sleep(frameMs);
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(slow, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Hands on what a real connection reports, in order: nothing before `latencyMs` after it opened,
 * then one item per `frameMs`. close() forgets whatever still waits.
 */
class Gate {
  #queue = [];
  #openAt = Infinity;
  #nextAt = 0;
  #timer = null;
  #closed = false;
  #latencyMs;
  #frameMs;

  constructor(latencyMs, frameMs) {
    this.#latencyMs = latencyMs;
    this.#frameMs = frameMs;
  }

  opened() {
    this.#openAt = performance.now() + this.#latencyMs;
  }

  /** A connection that never opened reports its failure at once. */
  failedEarly() {
    if (this.#openAt === Infinity) this.#openAt = performance.now();
  }

  pass(deliver, { frame = true } = {}) {
    if (this.#closed) return;
    this.#queue.push({ deliver, frame });
    this.#drain();
  }

  close() {
    this.#closed = true;
    this.#queue = [];
    clearTimeout(this.#timer);
  }

  #drain() {
    if (this.#timer || this.#closed) return;
    while (this.#queue.length) {
      const { frame } = this.#queue[0];
      const at = Math.max(this.#openAt, frame ? this.#nextAt : 0);
      const wait = at - performance.now();
      if (wait > 0) {
        if (at !== Infinity) this.#timer = setTimeout(() => ((this.#timer = null), this.#drain()), wait);
        return;
      }
      const { deliver } = this.#queue.shift();
      if (frame) this.#nextAt = performance.now() + this.#frameMs;
      deliver();
      if (this.#closed) return;
    }
  }
}

class HeldEventSource {
  #source;
  #gate;
  onopen = null;

  constructor(url, init, latencyMs, frameMs) {
    this.#gate = new Gate(latencyMs, frameMs);
    this.#source = new EventSource(url, init);
    this.#source.onopen = () => {
      this.#gate.opened();
      this.#gate.pass(() => this.onopen?.(), { frame: false });
    };
  }

  get readyState() {
    return this.#source.readyState;
  }

  addEventListener(type, listener) {
    this.#source.addEventListener(type, (event) => {
      if (type === 'error') this.#gate.failedEarly();
      this.#gate.pass(() => listener(event), { frame: type !== 'error' });
    });
  }

  close() {
    this.#gate.close();
    this.#source.close();
  }
}

class HeldWebSocket {
  #socket;
  #gate;
  onopen = null;
  onerror = null;
  onmessage = null;
  onclose = null;

  constructor(url, protocols, latencyMs, frameMs) {
    this.#gate = new Gate(latencyMs, frameMs);
    this.#socket = new WebSocket(url, protocols);
    this.#socket.onopen = (event) => {
      this.#gate.opened();
      this.#gate.pass(() => this.onopen?.(event), { frame: false });
    };
    this.#socket.onmessage = (event) => this.#gate.pass(() => this.onmessage?.(event));
    this.#socket.onerror = (event) => {
      this.#gate.failedEarly();
      this.#gate.pass(() => this.onerror?.(event), { frame: false });
    };
    this.#socket.onclose = (event) => {
      this.#gate.failedEarly();
      this.#gate.pass(() => this.onclose?.(event), { frame: false });
    };
  }

  get readyState() {
    return this.#socket.readyState;
  }

  send(data) {
    this.#socket.send(data);
  }

  close(code, reason) {
    this.#socket.close(code, reason);
  }
}
