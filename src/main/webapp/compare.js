// The Compare view: one generation, followed at the same moment over every transport the client
// has, under a network the viewer picks (simulated in this page: js/network.js). And the many
// streams test: ten streams of one transport at once, and how many of them really ran together.
import { createStream, transports } from './js/streamgate.js';
import { GapChart } from './js/gap-chart.js';
import { simulatedNetwork } from './js/network.js';

const $ = (id) => document.getElementById(id);

const NAMES = { sse: 'SSE', ws: 'WebSocket', poll: 'Long polling', openai: 'OpenAI (fetch)' };
const nameOf = (transport) => NAMES[transport] ?? transports[transport].label;

/** How many streams the many-streams test opens; over HTTP/1.1 a browser gives an origin about six connections. */
export const MANY = 10;

/**
 * Wires the view to `gateway`: { apiKey(), model() } from the chat's settings, so both views talk to
 * the gateway with the same key and model.
 */
export function setUpCompare(gateway) {
  const ui = {
    form: $('compare-form'),
    prompt: $('compare-prompt'),
    tokens: $('compare-tokens'),
    rate: $('compare-rate'),
    ttft: $('compare-ttft'),
    latency: $('net-latency'),
    drops: $('net-drops'),
    reader: $('net-reader'),
    run: $('compare-run'),
    columns: $('columns'),
    verdict: $('verdict'),
    manyForm: $('many-form'),
    manyTransport: $('many-transport'),
    manyRun: $('many-run'),
    lanes: $('many-lanes'),
    manyResult: $('many-result'),
  };
  for (const name of Object.keys(transports)) ui.manyTransport.append(new Option(nameOf(name), name));

  const settings = () => ({
    prompt: ui.prompt.value.trim() || ui.prompt.placeholder,
    tokens: clamp(Number(ui.tokens.value) || 120, 1, 4000),
    rate: clamp(Number(ui.rate.value) || 30, 1, 1000),
    ttft: clamp(Number(ui.ttft.value) || 0, 0, 60_000),
    network: { latencyMs: Number(ui.latency.value), frameMs: Number(ui.reader.value) },
    dropEveryMs: Number(ui.drops.value),
  });
  const busy = (on) => {
    ui.run.disabled = on;
    ui.manyRun.disabled = on;
  };

  ui.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    busy(true);
    try {
      await race(ui, gateway, settings());
    } finally {
      busy(false);
    }
  });
  ui.manyForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    busy(true);
    try {
      await many(ui, gateway, settings(), ui.manyTransport.value);
    } finally {
      busy(false);
    }
  });
}

// ---- the gateway's control plane, with the chat's key ----

async function call(gateway, path, init = {}) {
  const key = gateway.apiKey();
  const headers = { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  const response = await fetch(path, { ...init, headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail ?? body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function start(gateway, { prompt, tokens, rate, ttft }) {
  return call(gateway, 'api/generations', {
    method: 'POST',
    body: JSON.stringify({
      model: gateway.model(),
      messages: [{ role: 'user', content: prompt }],
      max_tokens: tokens,
      simulation: { ttft_ms: ttft, tokens_per_second: rate, length: tokens },
    }),
  });
}

/** Follows `id` over `transport` from the first token, through the simulated network. */
function follow(gateway, transport, id, network) {
  const options = { transport, id, after: 0, apiKey: gateway.apiKey() };
  return createStream(network.latencyMs || network.frameMs ? { ...options, ...simulatedNetwork(network) } : options);
}

/** Calls stream.drop() on each stream every `everyMs` while any runs; returns the stop function. */
function dropEvery(streams, everyMs) {
  if (!everyMs) return () => {};
  const timer = setInterval(() => streams.forEach((s) => s.drop()), everyMs);
  return () => clearInterval(timer);
}

// ---- the race ----

async function race(ui, gateway, settings) {
  ui.verdict.textContent = 'Starting one generation…';
  ui.verdict.dataset.outcome = 'running';
  const sentAt = performance.now();
  let created;
  try {
    created = await start(gateway, settings);
  } catch (error) {
    ui.verdict.textContent = `Could not start a generation: ${error.message}`;
    ui.verdict.dataset.outcome = 'failed';
    return;
  }
  const columns = Object.keys(transports).map((transport) => column(ui.columns, transport));
  ui.columns.replaceChildren(...columns.map((c) => c.root));
  ui.columns.dataset.generationId = created.id;
  ui.verdict.textContent = `Streaming ${created.id} over ${columns.length} transports at once…`;

  const streams = columns.map((c) => {
    const stream = follow(gateway, c.transport, created.id, settings.network);
    c.watch(stream, sentAt);
    return stream;
  });
  const stopDrops = dropEvery(streams, settings.dropEveryMs);
  const results = await Promise.all(streams.map((s) => s.result));
  stopDrops();

  let server = null;
  try {
    server = await call(gateway, `api/generations/${encodeURIComponent(created.id)}`);
  } catch {
    // the verdict says the comparison with the server could not be made
  }
  verdict(ui.verdict, columns, results, server);
}

/** One transport's column: live figures, a gap chart and the text as it arrives. */
function column(parent, transport) {
  const root = el('article', 'column');
  root.dataset.transport = transport;
  root.dataset.state = 'connecting';
  root.setAttribute('aria-label', nameOf(transport));
  const head = el('header', 'column-head');
  const title = el('h3', '');
  title.textContent = nameOf(transport);
  const badge = el('span', 'badge');
  badge.dataset.state = 'connecting';
  badge.textContent = 'connecting';
  head.append(title, badge);
  const figures = {};
  const stats = el('dl', 'stats compact');
  for (const [key, label] of [['ttft', 'First token'], ['rate', 'Tokens / s'], ['reconnects', 'Reconnects'], ['tokens', 'Tokens']]) {
    const cell = el('div', '');
    const dt = el('dt', '');
    dt.textContent = label;
    figures[key] = el('dd', `fig-${key}`);
    figures[key].textContent = key === 'tokens' || key === 'reconnects' ? '0' : '—';
    cell.append(dt, figures[key]);
    stats.append(cell);
  }
  const canvas = el('canvas', 'column-chart');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `Gaps between ${nameOf(transport)} frames`);
  const text = el('div', 'column-text text');
  root.append(head, stats, canvas, text);
  const chart = new GapChart(canvas);

  const c = { root, transport, firstAt: 0, endAt: 0 };
  c.watch = (stream, sentAt) => {
    let lastAt = 0;
    let resumed = false;
    stream.on('state', ({ state }) => {
      badge.dataset.state = state;
      badge.textContent = state === 'backoff' ? 'dropped' : state === 'reconnecting' ? 'resuming' : state;
      root.dataset.state = state;
    });
    stream.on('resumed', () => (resumed = true));
    stream.on('token', (token) => {
      text.append(token.text);
      text.scrollTop = text.scrollHeight;
      if (!c.firstAt) {
        c.firstAt = token.at;
        root.dataset.ttftMs = String(Math.round(token.at - sentAt));
        figures.ttft.textContent = formatMs(token.at - sentAt);
      }
      if (lastAt) chart.add(token.at - lastAt, resumed ? 'resume' : token.count > 1 ? 'burst' : 'frame');
      resumed = false;
      lastAt = token.at;
      const seconds = (token.at - c.firstAt) / 1000;
      figures.rate.textContent = stream.tokens > 1 && seconds > 0 ? ((stream.tokens - 1) / seconds).toFixed(1) : '—';
      figures.tokens.textContent = String(stream.tokens);
      figures.reconnects.textContent = String(stream.reconnects);
    });
    stream.result.then((result) => {
      c.endAt = performance.now();
      c.tookMs = c.endAt - sentAt;
      root.dataset.reconnects = String(stream.reconnects);
      root.dataset.tookMs = String(Math.round(c.tookMs));
      figures.reconnects.textContent = String(stream.reconnects);
      root.dataset.state = result.type === 'done' ? 'done' : 'failed';
      if (result.type === 'error') {
        const note = el('p', 'note error');
        note.textContent = `${result.message} (${result.code})`;
        root.append(note);
      }
    });
  };
  return c;
}

function verdict(line, columns, results, server) {
  const failed = columns.filter((c, i) => results[i].type !== 'done');
  const texts = results.map((r) => r.text);
  const identical = texts.every((t) => t === texts[0]);
  const matchesServer = server !== null && texts.every((t) => t === server.text);
  const finished = columns.filter((c, i) => results[i].type === 'done').sort((a, b) => a.tookMs - b.tookMs);
  const parts = [];
  if (failed.length) parts.push(`${failed.map((c) => nameOf(c.transport)).join(', ')} failed.`);
  if (identical && matchesServer) {
    parts.push(`All ${columns.length} texts are identical, and equal to the gateway's own (${texts[0].length} characters).`);
  } else if (identical) {
    parts.push(`All ${columns.length} texts are identical (${texts[0].length} characters); the gateway's own text could not be read to check them.`);
  } else {
    const first = columns.findIndex((c, i) => texts[i] !== texts[0]);
    parts.push(`The texts differ: ${nameOf(columns[first].transport)} from ${nameOf(columns[0].transport)} at character ${divergence(texts[0], texts[first])}.`);
  }
  if (finished.length) {
    const [winner, ...rest] = finished;
    const behind = rest.map((c) => `${nameOf(c.transport)} +${formatMs(c.tookMs - winner.tookMs)}`);
    parts.push(`${nameOf(winner.transport)} finished first${behind.length ? `; ${behind.join(', ')}` : ''}.`);
  }
  line.textContent = parts.join(' ');
  line.dataset.identical = String(identical && matchesServer);
  line.dataset.outcome = failed.length || !identical ? 'failed' : 'done';
}

function divergence(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

// ---- many streams ----

async function many(ui, gateway, settings, transport) {
  ui.manyResult.textContent = `Starting ${MANY} generations…`;
  ui.manyResult.dataset.outcome = 'running';
  let created;
  try {
    created = await Promise.all(Array.from({ length: MANY }, (_, i) => start(gateway, { ...settings, prompt: `${settings.prompt} (${i + 1})` })));
  } catch (error) {
    ui.manyResult.textContent = `Could not start ${MANY} generations: ${error.message}`;
    ui.manyResult.dataset.outcome = 'failed';
    return;
  }
  const t0 = performance.now();
  const lanes = created.map((c, i) => lane(i + 1));
  ui.lanes.replaceChildren(...lanes.map((l) => l.root));
  let streaming = 0;
  let mostAtOnce = 0;
  const show = () => {
    ui.manyResult.textContent = `${MANY} ${nameOf(transport)} streams: ${streaming} streaming now, at most ${mostAtOnce} at once so far…`;
  };
  const streams = created.map(({ id }, i) => {
    const stream = follow(gateway, transport, id, settings.network);
    const l = lanes[i];
    stream.on('token', (token) => {
      if (!l.firstAt) {
        l.firstAt = token.at - t0;
        streaming++;
        mostAtOnce = Math.max(mostAtOnce, streaming);
        show();
      }
    });
    stream.result.then((result) => {
      l.endAt = performance.now() - t0;
      l.failed = result.type !== 'done';
      if (l.firstAt) streaming--;
      show();
    });
    return stream;
  });
  const stopDrops = dropEvery(streams, settings.dropEveryMs);
  const results = await Promise.all(streams.map((s) => s.result));
  stopDrops();

  const total = Math.max(...lanes.map((l) => l.endAt));
  lanes.forEach((l) => l.draw(total));
  const waited = lanes.filter((l) => l.firstAt > lanes.reduce((end, o) => Math.min(end, o.endAt), Infinity));
  const failed = results.filter((r) => r.type !== 'done').length;
  ui.manyResult.dataset.mostAtOnce = String(mostAtOnce);
  ui.manyResult.dataset.waited = String(waited.length);
  ui.manyResult.dataset.outcome = failed ? 'failed' : 'done';
  const parts = [`${MANY} ${nameOf(transport)} streams${overProtocol()}: at most ${mostAtOnce} streamed at once.`];
  if (waited.length) {
    const longest = Math.max(...waited.map((l) => l.firstAt));
    parts.push(`${waited.length} got no token until another stream had ended (the last after ${formatMs(longest)}): the browser had no free connection for them.`);
  }
  if (failed) parts.push(`${failed} failed.`);
  ui.manyResult.textContent = parts.join(' ');
}

/** " over HTTP/2" or " over HTTP/1.1": what this page's own connection speaks, as the browser says. */
function overProtocol() {
  const protocol = performance.getEntriesByType('navigation')[0]?.nextHopProtocol;
  return { h2: ' over HTTP/2', 'http/1.1': ' over HTTP/1.1', h3: ' over HTTP/3' }[protocol] ?? '';
}

/** One stream's lane: waiting (connection requested, nothing yet), then streaming, on one time axis. */
function lane(n) {
  const root = el('div', 'lane');
  const label = el('span', 'lane-label');
  label.textContent = `#${n}`;
  const track = el('div', 'lane-track');
  const wait = el('span', 'lane-wait');
  const run = el('span', 'lane-run');
  track.append(wait, run);
  root.append(label, track);
  const l = { root, firstAt: 0, endAt: 0, failed: false };
  l.draw = (total) => {
    const pct = (ms) => `${((100 * ms) / total).toFixed(2)}%`;
    const first = l.firstAt || l.endAt;
    wait.style.width = pct(first);
    run.style.left = pct(first);
    run.style.width = pct(Math.max(0, l.endAt - first));
    run.classList.toggle('failed', l.failed);
    root.title = `#${n}: first token after ${formatMs(first)}, done after ${formatMs(l.endAt)}`;
  };
  return l;
}

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}
