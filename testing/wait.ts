// Polling helpers for tests: wait for a condition instead of sleeping and hoping.

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A short random tag for unique names (tkt<4 chars>). */
export function uniqueTag(): string {
  return 'tkt' + Math.random().toString(36).slice(2, 6);
}
