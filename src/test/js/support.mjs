// Shared by the client and page tests: where the server is, and small helpers over its API.

export const BASE_URL = (process.env.STREAMGATE_URL ?? 'http://127.0.0.1:18200').replace(/\/+$/, '');

/** A second gateway that requires API keys, and a key it accepts (both from JavaScriptClientIT). */
export const KEYED_URL = process.env.STREAMGATE_KEYED_URL?.replace(/\/+$/, '') ?? null;
export const API_KEY = process.env.STREAMGATE_API_KEY ?? null;

export const TRANSPORTS = ['sse', 'ws', 'poll', 'openai'];

/** A simulated request that streams for about a second: long enough to drop or stop mid-answer. */
export function simulatedRequest(prompt, { tokens = 60, rate = 80, ttft = 20, seed = 7, ...rest } = {}) {
  return {
    model: 'simulated',
    messages: [{ role: 'user', content: prompt }],
    max_tokens: tokens,
    simulation: { ttft_ms: ttft, tokens_per_second: rate, seed, length: tokens, ...rest },
  };
}

export async function status(id, { base = BASE_URL, apiKey } = {}) {
  const headers = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  const response = await fetch(`${base}/api/generations/${encodeURIComponent(id)}`, { headers });
  if (!response.ok) throw new Error(`GET status of ${id}: HTTP ${response.status}`);
  return response.json();
}

export async function createGeneration(request) {
  const response = await fetch(`${BASE_URL}/api/generations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (response.status !== 201) throw new Error(`POST /api/generations: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

/** Polls the server until the generation has ended (a condition with a deadline, not a sleep). */
export async function finalStatus(id, { timeoutMs = 20_000, ...where } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(id, where);
    if (current.state !== 'running') return current;
    if (Date.now() > deadline) throw new Error(`generation ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
