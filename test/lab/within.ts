/**
 * Polls `check` every 100 ms until it passes, for at most `ms`; resolves with how long it
 * took. A check that throws (e.g. the unit is still down) has simply not passed yet.
 */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
