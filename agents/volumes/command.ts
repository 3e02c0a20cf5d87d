import { execFile, type ExecFileException } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../daemon/systemd.js';
import { findTool } from '../inventory/tools.js';

export type { CommandResult, CommandRunner };

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Why a program gave no exit code, in words that never repeat its arguments: Node's own
 * message ("Command failed: <file> <args>") would carry a CHAP secret passed as one.
 */
function whyNotRun(file: string, err: ExecFileException): string {
  if (err.killed || err.signal)
    return `${file} was stopped (${err.signal ?? 'killed'}), e.g. at its time limit`;
  return `${file} could not run (${String(err.code ?? 'unknown error')})`;
}

/**
 * Runs a program with an argv array (never a shell). Stdin is closed at once: a tool that
 * stops to ask a question (lvcreate's "Wipe it? [y/n]") reads end-of-file and gives up instead
 * of hanging the agent until the timeout.
 */
export function runProgram(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        env: options.env ?? process.env,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({
          code,
          stdout,
          stderr: stderr || (err && code === -1 ? whyNotRun(file, err) : ''),
        });
      },
    );
    child.stdin?.end();
  });
}

/**
 * The runner for storage tools (vgs, lvs, lvcreate, …): the tool is named bare and looked up
 * on PATH and in sbin, which a non-root session's PATH often lacks. A missing tool answers
 * like a shell would, exit 127, so callers treat it as any other failure.
 */
export function toolRunner(env: NodeJS.ProcessEnv): CommandRunner {
  return async (name, args) => {
    const tool = await findTool(name, env.PATH);
    if (!tool) return { code: 127, stdout: '', stderr: `${name}: not found` };
    // LVM warns on stderr about every descriptor it inherits; those are not failures.
    return runProgram(tool, args, { env: { ...env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
  };
}

/** The first line of a tool's complaint, for an error message that stays one line. */
export function firstLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return (line ?? '').slice(0, 300);
}
