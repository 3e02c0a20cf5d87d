// Running external commands (always an argv array, never a shell string) and small process
// helpers the lab needs: tool checks, liveness and bounded kills.
import { spawn } from 'node:child_process';
import { access, constants, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/index.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A plain environment for lab commands: the caller's secrets never reach lab daemons. */
export const labEnv: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/** Runs a command and resolves with its output and exit code; rejects only if it cannot start or times out. */
export function run(cmd: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: opts.env ?? labEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new DvsanError(
          'lab-failed',
          `${cmd} ${argv.join(' ')} did not finish within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal ? 128 : 1),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Like {@link run} but a non-zero exit is a 'lab-failed' error carrying the command's stderr. */
export async function must(cmd: string, argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, argv, opts);
  if (r.code !== 0) {
    throw new DvsanError(
      'lab-failed',
      `${cmd} ${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** Tools the lab runs, with the Debian package that ships each. */
export const requiredTools: { tool: string; pkg: string; at?: string }[] = [
  { tool: 'ip', pkg: 'iproute2' },
  { tool: 'unshare', pkg: 'util-linux' },
  { tool: 'nsenter', pkg: 'util-linux' },
  { tool: 'losetup', pkg: 'mount' },
  { tool: 'findmnt', pkg: 'util-linux' },
  { tool: 'mount', pkg: 'mount' },
  { tool: 'sshd', pkg: 'openssh-server', at: '/usr/sbin/sshd' },
  { tool: 'ssh-keygen', pkg: 'openssh-client' },
  { tool: 'openssl', pkg: 'openssl' },
];

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findTool(tool: string): Promise<string | null> {
  for (const dir of (labEnv.PATH ?? '').split(':')) {
    const file = path.join(dir, tool);
    if (await executable(file)) return file;
  }
  return null;
}

/** Fails with one message listing every missing tool and the apt-get line that installs them. */
export async function checkTools(): Promise<void> {
  const missing: { tool: string; pkg: string }[] = [];
  for (const t of requiredTools) {
    const found = t.at ? await executable(t.at) : (await findTool(t.tool)) !== null;
    if (!found) missing.push(t);
  }
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  throw new DvsanError(
    'lab-failed',
    `dvsan lab needs ${missing.map((m) => m.tool).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed. Install with: apt-get install ${pkgs.join(' ')}`,
    { missing: missing.map((m) => m.tool), packages: pkgs },
  );
}

/** Alive and not a zombie: an unreaped child still answers kill(pid, 0). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else (a non-root caller asking about root's sshd).
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function processCmdline(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export async function processCwd(pid: number): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait a little more. Returns pids still alive. */
export async function killAll(pids: number[], graceMs = 3000): Promise<number[]> {
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const alive = async () =>
    (await Promise.all(pids.map(async (p) => ((await isAlive(p)) ? p : 0)))).filter(Boolean);
  if (pids.length === 0) return [];
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if ((await alive()).length === 0) return true;
      await sleep(50);
    }
    return false;
  };
  signal('SIGTERM');
  if (await waitGone(graceMs)) return [];
  signal('SIGKILL');
  await waitGone(2000);
  return alive();
}

/** Runs `fn` over `items` with at most `limit` at once; after a failure starts no more, and rejects with the first error once the running ones settle. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (e) {
        errors.push(e);
        next = items.length; // stop starting new work; the caller tears down what was made
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
