// Shared by the client and page tests: where the server is, and small helpers over its API.

export const BASE_URL = (process.env.STREAMGATE_URL ?? 'http://127.0.0.1:18200').replace(/\/+$/, '');

export const TRANSPORTS = ['sse', 'ws', 'poll'];

/** A simulated request that streams for about a second: long enough to drop or stop mid-answer. */
export function simulatedRequest(prompt, { tokens = 60, rate = 80, ttft = 20, seed = 7, ...rest } = {}) {
  return {
    model: 'simulated',
    messages: [{ role: 'user', content: prompt }],
    max_tokens: tokens,
    simulation: { ttft_ms: ttft, tokens_per_second: rate, seed, length: tokens, ...rest },
  };
}

export async function status(id) {
  const response = await fetch(`${BASE_URL}/api/generations/${encodeURIComponent(id)}`);
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
export async function finalStatus(id, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(id);
    if (current.state !== 'running') return current;
    if (Date.now() > deadline) throw new Error(`generation ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
