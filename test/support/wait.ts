/**
 * Waits until `done()` holds, re-checking whenever something arrives (the caller pushes a wake-up into
 * `waiters` and runs them on data) and at least every 200 ms; throws `timeout()` after `timeoutMs`.
 */
export async function waitUntil(done: () => boolean, timeoutMs: number, waiters: (() => void)[], timeout: () => Error): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) throw timeout();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 200));
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
