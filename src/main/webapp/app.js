// The demo page: a chat over /js/streamgate.js with live transport figures. Server text is only
// ever set with textContent.
import { createStream, transports } from './js/streamgate.js';
import { GapChart } from './js/gap-chart.js';
import { setUpCompare } from './compare.js';

const $ = (id) => document.getElementById(id);

/** What each transport does, in a line; a new transport in the client shows up with its label alone. */
const HINTS = {
  sse: 'Native EventSource. Resumes with ?after=<last seq>; coalesced events carry first_seq.',
  ws: 'One socket, several generations. Resumes with {"type":"subscribe","after":<last seq>}.',
  poll: 'GET …/poll?after=<last seq>&wait=25 — each answer parks until there is news.',
  openai: 'POST /v1/chat/completions with "stream":true, read with fetch as most LLM front-ends do. Resumes with GET …/chatcmpl-<id> and Last-Event-ID.',
};

/** Short names for the switch; the client's label is the fallback. */
const SHORT_NAMES = { sse: 'SSE', ws: 'WebSocket', poll: 'Long polling', openai: 'OpenAI' };

/** The API key lives in this tab's sessionStorage only: never in a URL, never in localStorage. */
const KEY_STORAGE = 'streamgate.api-key';

const ui = {
  messages: $('messages'),
  intro: $('intro'),
  form: $('composer'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  drop: $('drop'),
  status: $('status'),
  model: $('model'),
  ttft: $('ttft'),
  rate: $('rate'),
  maxTokens: $('max-tokens'),
  transports: $('transports'),
  hint: $('transport-hint'),
  state: $('state'),
  figTtft: $('fig-ttft'),
  figRate: $('fig-rate'),
  figTokens: $('fig-tokens'),
  figReconnects: $('fig-reconnects'),
  apiKey: $('api-key'),
};

const chart = new GapChart($('gaps'));
const history = []; // previous turns, sent as messages with each new prompt
let current = null; // { stream, view, figures } while an answer streams

setUpTransports();
setUpControls();
setUpApiKey();
loadModels();
setUpCompare({ apiKey, model: () => ui.model.value });
setUpViews();

/** #chat or #compare: one view at a time, linkable. */
function setUpViews() {
  const show = () => {
    const compare = location.hash === '#compare';
    $('chat-view').hidden = compare;
    $('compare-view').hidden = !compare;
    for (const [link, current] of [[$('view-chat'), !compare], [$('view-compare'), compare]]) {
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  };
  window.addEventListener('hashchange', show);
  show();
}

function setUpTransports() {
  for (const [name, transport] of Object.entries(transports)) {
    const id = `transport-${name}`;
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'transport', id, value: name });
    input.checked = name === 'sse';
    const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: shortName(name, transport) });
    label.title = transport.label;
    ui.transports.append(input, label);
  }
  ui.transports.addEventListener('change', showTransportHint);
  showTransportHint();
}

function shortName(name, transport) {
  return SHORT_NAMES[name] ?? transport.label;
}

function selectedTransport() {
  return ui.transports.querySelector('input:checked').value;
}

function showTransportHint() {
  const name = selectedTransport();
  ui.hint.textContent = `${transports[name].label}. ${HINTS[name] ?? ''}`;
}

function setUpControls() {
  const showTtft = () => ($('ttft-value').textContent = `${ui.ttft.value} ms`);
  const showRate = () => ($('rate-value').textContent = `${ui.rate.value} tokens/s`);
  ui.ttft.addEventListener('input', showTtft);
  ui.rate.addEventListener('input', showRate);
  showTtft();
  showRate();

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.stop.addEventListener('click', () => current?.stream.cancel());
  ui.drop.addEventListener('click', () => current?.stream.drop());
  for (const chip of document.querySelectorAll('[data-prompt]')) {
    chip.addEventListener('click', () => {
      ui.prompt.value = chip.dataset.prompt;
      ui.form.requestSubmit();
    });
  }
}

function setUpApiKey() {
  ui.apiKey.value = sessionStorage.getItem(KEY_STORAGE) ?? '';
  ui.apiKey.addEventListener('change', () => {
    const key = apiKey();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    loadModels(); // a gateway with keys lists its models only to a key
  });
}

function apiKey() {
  return ui.apiKey.value.trim() || undefined;
}

async function loadModels() {
  try {
    const key = apiKey();
    const response = await fetch('api/models', { headers: key ? { Authorization: `Bearer ${key}` } : {} });
    if (response.status === 401) throw new Error(key ? 'the gateway refused this API key' : 'this gateway needs an API key');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { models } = await response.json();
    const chosen = ui.model.value;
    ui.model.replaceChildren(...models.map((name) => new Option(name, name)));
    // Keep the user's choice; otherwise the model the speed controls drive.
    ui.model.value = models.includes(chosen) ? chosen : models.includes('simulated') ? 'simulated' : models[0];
    if (!current) setStatus('Ready');
  } catch (error) {
    setStatus(`Could not list the models (${error.message}); using "${ui.model.value || 'simulated'}".`);
  }
}

function request(prompt) {
  return {
    model: ui.model.value,
    messages: [...history, { role: 'user', content: prompt }],
    max_tokens: clamp(Number(ui.maxTokens.value) || 256, 1, 8192),
    simulation: { ttft_ms: Number(ui.ttft.value), tokens_per_second: Number(ui.rate.value) },
  };
}

function send() {
  const prompt = ui.prompt.value.trim();
  if (!prompt || current) return;
  ui.intro.hidden = true;
  ui.prompt.value = '';
  addMessage('user', prompt);

  const transport = selectedTransport();
  const view = addAnswer(transport);
  const stream = createStream({ transport, request: request(prompt), apiKey: apiKey(), stallMs: 3000 });
  const figures = { sentAt: performance.now(), firstAt: 0, lastAt: 0, lastFrameAt: 0, resumePending: false };
  current = { stream, view, figures };
  chart.reset();
  showFigures(stream, figures);
  setBusy(true);

  stream.on('started', ({ id }) => (view.item.dataset.generationId = id));
  stream.on('state', (event) => showState(stream, event));
  stream.on('token', (token) => {
    view.text.append(token.text); // a text node: the server's text is never parsed as HTML
    const at = token.at;
    if (!figures.firstAt) {
      figures.firstAt = at;
      view.meta.textContent = `${shortName(stream.transport, transports[stream.transport])} · first token in ${formatMs(at - figures.sentAt)} · streaming…`;
    }
    if (figures.lastFrameAt) chart.add(at - figures.lastFrameAt, figures.resumePending ? 'resume' : token.count > 1 ? 'burst' : 'frame');
    figures.resumePending = false;
    figures.lastFrameAt = at;
    figures.lastAt = at;
    showFigures(stream, figures);
    scrollToEnd();
  });
  stream.on('dropped', (event) => addNote(view, `Connection lost at seq ${event.at} (${event.reason}).`, 'drop'));
  stream.on('resumed', (event) => {
    figures.resumePending = true;
    view.item.dataset.resumes = String(event.reconnects);
    addNote(view, `Resumed over ${shortName(event.transport, transports[event.transport])} from seq ${event.after} — nothing lost, nothing repeated.`, 'resume');
    showFigures(stream, figures);
  });
  stream.result.then((result) => finish(prompt, stream, view, figures, result));
}

function finish(prompt, stream, view, figures, result) {
  const outcome = result.type === 'error' ? 'failed' : result.finishReason === 'cancelled' ? 'cancelled' : 'completed';
  view.item.dataset.state = outcome;
  view.item.setAttribute('aria-busy', 'false');
  const parts = [`${result.tokens} tokens`, shortName(stream.transport, transports[stream.transport])];
  if (figures.firstAt) parts.push(`first token in ${formatMs(figures.firstAt - figures.sentAt)}`);
  if (stream.reconnects) parts.push(`${stream.reconnects} reconnect${stream.reconnects > 1 ? 's' : ''}`);
  if (outcome === 'cancelled') parts.push('stopped');
  if (result.finishReason === 'length') parts.push('hit max tokens');
  view.meta.textContent = parts.join(' · ');
  if (outcome === 'failed') addNote(view, `The answer failed: ${result.message} (${result.code}).`, 'error');
  history.push({ role: 'user', content: prompt });
  if (result.text) history.push({ role: 'assistant', content: result.text });
  current = null;
  setBusy(false);
  setStatus(outcome === 'completed' ? 'Done' : outcome === 'cancelled' ? 'Stopped' : 'Failed');
  ui.prompt.focus();
}

function addMessage(role, text) {
  const item = el('article', `message ${role}`);
  item.setAttribute('aria-label', role === 'user' ? 'You' : 'Model');
  const bubble = el('div', 'bubble');
  const body = el('div', 'text');
  body.textContent = text;
  bubble.append(body);
  item.append(bubble);
  ui.messages.append(item);
  scrollToEnd();
  return { item, bubble, text: body };
}

function addAnswer(transport) {
  const view = addMessage('assistant', '');
  view.item.dataset.state = 'streaming';
  view.item.dataset.transport = transport;
  view.item.dataset.resumes = '0';
  view.item.setAttribute('aria-busy', 'true');
  view.notes = el('div', 'notes');
  view.meta = el('div', 'meta');
  view.meta.textContent = `${shortName(transport, transports[transport])} · waiting for the first token…`;
  view.bubble.append(view.notes);
  view.item.append(view.meta);
  return view;
}

function addNote(view, text, kind) {
  const note = el('p', `note ${kind}`);
  note.textContent = text;
  view.notes.append(note);
  scrollToEnd();
}

function showState(stream, event) {
  const labels = {
    connecting: 'connecting',
    streaming: 'streaming',
    backoff: `retry in ${formatMs(event.delayMs ?? 0)}`,
    reconnecting: 'resuming',
    done: event.finishReason === 'cancelled' ? 'stopped' : 'done',
    failed: 'failed',
    closed: 'closed',
  };
  ui.state.dataset.state = event.state;
  ui.state.textContent = labels[event.state] ?? event.state;
  if (event.state === 'backoff') setStatus(`Connection lost — retrying in ${formatMs(event.delayMs)} (attempt ${event.attempt})`);
  else if (event.state === 'reconnecting') setStatus(`Resuming from seq ${stream.cursor}…`);
  else if (event.state === 'streaming') setStatus('Streaming…');
  else if (event.state === 'connecting') setStatus('Connecting…');
}

function showFigures(stream, f) {
  ui.figTtft.textContent = f.firstAt ? formatMs(f.firstAt - f.sentAt) : '—';
  const seconds = (f.lastAt - f.firstAt) / 1000;
  ui.figRate.textContent = stream.tokens > 1 && seconds > 0 ? ((stream.tokens - 1) / seconds).toFixed(1) : '—';
  ui.figTokens.textContent = String(stream.tokens);
  ui.figReconnects.textContent = String(stream.reconnects);
  ui.figReconnects.parentElement.classList.toggle('highlight', stream.reconnects > 0);
}

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.stop.disabled = !busy;
  ui.drop.disabled = !busy;
}

function setStatus(text) {
  ui.status.textContent = text;
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function el(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}
