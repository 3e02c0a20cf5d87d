// Talking to one tgtd: every command is `tgtadm --lld iscsi -C <port> …` run as an argv array
// (never a shell), with a timeout, and with CHAP passwords masked wherever a command line is
// logged or reported.
import { readFile } from 'node:fs/promises';
import type { CommandResult } from '../../daemon/systemd.js';
import { findTool } from '../../inventory/tools.js';
import type { Log } from '../../log.js';
import { firstLine, runProgram } from '../../volumes/command.js';
import { TargetError } from '../errors.js';

export type { CommandResult };

/** Runs `file` with `args`; resolves with the exit code (never rejects on a non-zero exit). */
export type TgtRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** Where the lab (or an administrator) names the control port of this node's tgtd. */
export const controlPortFile = '/etc/tgt/dvsan-control-port';

/** tgtadm's exit code when it cannot reach tgtd (ENOTCONN); Debian's init script tests it too. */
export const tgtdNotRunningExit = 107;

const commandTimeoutMs = 30_000;

/** The Debian package that ships tgtd, tgtadm and tgt-admin. */
export const tgtPackage = 'tgt';

function parsePort(text: string, where: string): number {
  const value = text.trim();
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new TargetError(
      'invalid-params',
      `the tgtd control port in ${where} is "${value.slice(0, 16)}", not a number from 0 to 65535`,
      { where },
    );
  }
  return port;
}

/**
 * The control port (`tgtd -C N`) of this node's tgtd: `DVSAN_TGT_CONTROL_PORT`, else the
 * number in /etc/tgt/dvsan-control-port, else 0 (tgtd's default). A malformed value is an
 * error rather than 0: guessing would configure some other tgtd on the machine.
 */
export async function resolveControlPort(
  env: NodeJS.ProcessEnv,
  file = controlPortFile,
): Promise<number> {
  const fromEnv = env.DVSAN_TGT_CONTROL_PORT;
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return parsePort(fromEnv, 'DVSAN_TGT_CONTROL_PORT');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  return parsePort(text, file);
}

/** The value after each password option is replaced, so a command line can be logged. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext) {
      out.push('***');
      maskNext = false;
    } else if (arg === '--password' || arg === '-p') {
      out.push(arg);
      maskNext = true;
    } else if (arg.startsWith('--password=')) {
      out.push('--password=***');
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** A tgtadm command failed. Its message and details carry the redacted command line only. */
export class TgtadmError extends TargetError {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly stderr: string,
    details: Record<string, unknown>,
  ) {
    super('agent-error', message, details);
  }
}

export const execRunner: TgtRunner = (file, args) =>
  runProgram(file, args, { timeoutMs: commandTimeoutMs });

export interface TgtadmOptions {
  controlPort: number;
  /** Absolute path of tgtadm; looked up on PATH and in sbin when absent. */
  tgtadmPath?: string;
  env?: NodeJS.ProcessEnv;
  run?: TgtRunner;
  log?: Log;
}

/** One tgtd, reached through tgtadm on its control port. */
export class Tgtadm {
  readonly controlPort: number;
  private readonly run: TgtRunner;
  private readonly log: Log | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private path: string | undefined;

  constructor(options: TgtadmOptions) {
    this.controlPort = options.controlPort;
    this.run = options.run ?? execRunner;
    this.log = options.log;
    this.env = options.env ?? process.env;
    this.path = options.tgtadmPath;
  }

  /** The full argv for `args`: driver and control port first. */
  argv(args: readonly string[]): string[] {
    return ['--lld', 'iscsi', '-C', String(this.controlPort), ...args];
  }

  private async binary(): Promise<string> {
    if (this.path) return this.path;
    const found = await findTool('tgtadm', this.env.PATH);
    if (!found) {
      throw new TargetError(
        'agent-error',
        `tgtadm was not found on this unit; install the Debian package "${tgtPackage}"`,
        { package: tgtPackage },
      );
    }
    this.path = found;
    return found;
  }

  /** Runs one command and resolves with its result, whatever the exit code. */
  async tryRun(args: readonly string[]): Promise<CommandResult> {
    const argv = this.argv(args);
    const started = Date.now();
    const result = await this.run(await this.binary(), argv);
    this.log?.('debug', 'tgtadm', {
      args: redactArgs(argv),
      code: result.code,
      ms: Date.now() - started,
    });
    return result;
  }

  /** Runs one command; a non-zero exit is a {@link TgtadmError}. Resolves with stdout. */
  async exec(args: readonly string[]): Promise<string> {
    const result = await this.tryRun(args);
    if (result.code === 0) return result.stdout;
    const shown = redactArgs(this.argv(args));
    const complaint = firstLine(result.stderr) || firstLine(result.stdout) || 'no message';
    const hint =
      result.code === tgtdNotRunningExit
        ? ` (tgtd is not running on control port ${this.controlPort})`
        : '';
    throw new TgtadmError(
      `tgtadm ${shown.join(' ')} failed (exit ${result.code}): ${complaint}${hint}`,
      result.code,
      result.stderr,
      { args: shown, exitCode: result.code, controlPort: this.controlPort },
    );
  }
}
