// The frame every benchmark runs in: one cleanup that runs exactly once, whether the run ends,
// fails or is stopped with Ctrl-C, and an exit code that says which.

export const log = (msg: string) => console.error(`[bench] ${msg}`);

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Undo steps for what a run made (lab, daemons, qdiscs, devices), run newest first. A step can
 * also be run early, when its thing is no longer needed; then it is gone from the stack.
 */
export class UndoStack {
  private steps: { what: string; fn: () => Promise<unknown> }[] = [];

  /** Registers an undo; the returned function runs it now (at most once) and drops it. */
  push(what: string, fn: () => Promise<unknown>): () => Promise<void> {
    const step = { what, fn };
    this.steps.push(step);
    return async () => {
      if (!this.steps.includes(step)) return;
      this.steps = this.steps.filter((s) => s !== step);
      await fn();
    };
  }

  /** Runs every step left, newest first; a failing step is logged and the rest still run. */
  async unwind(): Promise<string[]> {
    const problems: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (e) {
        problems.push(`${step.what}: ${message(e)}`);
        log(`cleanup: ${step.what} failed: ${message(e)}`);
      }
    }
    return problems;
  }
}

export interface BenchFrame {
  main: () => Promise<void>;
  /** Undoes what main made; runs once, after main or on SIGINT/SIGTERM. */
  cleanup: () => Promise<unknown>;
  /** Said before the cleanup at the end of a run, e.g. what is being removed. */
  cleanupNote?: string;
}

/** Runs a benchmark's main in the frame; sets the exit code (1 failed, 130 interrupted). */
export async function runBench(frame: BenchFrame): Promise<void> {
  let cleaning: Promise<void> | null = null;
  let interrupted = false;
  const cleanup = () =>
    (cleaning ??= frame.cleanup().then(
      () => undefined,
      (e: unknown) => log(`cleanup failed: ${message(e)}`),
    ));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await frame.main();
  } catch (e) {
    log(interrupted ? 'interrupted' : `failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    if (frame.cleanupNote) log(frame.cleanupNote);
    await cleanup();
  }
}
