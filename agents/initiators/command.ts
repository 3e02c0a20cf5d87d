import type { CommandResult } from '../daemon/systemd.js';
import { findTool } from '../inventory/tools.js';
import { runProgram } from '../volumes/command.js';

export type { CommandResult };

/**
 * Runs a tool named bare (looked up on PATH and in sbin) with an argv array and a bounded
 * time; a missing tool answers exit 127 like a shell would. Tests inject a fake.
 */
export type Run = (
  name: string,
  args: readonly string[],
  options?: { timeoutMs?: number },
) => Promise<CommandResult>;

export function toolRun(env: NodeJS.ProcessEnv): Run {
  return async (name, args, options = {}) => {
    const tool = await findTool(name, env.PATH);
    if (!tool) return { code: 127, stdout: '', stderr: `${name}: not found` };
    const timeoutMs = options.timeoutMs ?? 60_000;
    // A tool stuck in the kernel (umount flushing to a dead unit) ignores the timeout's kill;
    // the caller gets its answer anyway and the tool finishes whenever the kernel lets it.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<CommandResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            code: -1,
            stdout: '',
            stderr: `${name} did not finish within ${timeoutMs} ms`,
          }),
        timeoutMs + 1000,
      );
    });
    try {
      return await Promise.race([runProgram(tool, args, { env, timeoutMs }), stuck]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `done` every `stepMs` until it holds or `ms` have passed; true when it held. */
export async function waitUntil(
  done: () => Promise<boolean>,
  ms: number,
  stepMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(stepMs, Math.max(deadline - Date.now(), 1)));
  }
}
