import { readFile } from 'node:fs/promises';
import { waitUntil } from './command.js';

/** The argv of a live process, or null (gone, or a zombie with an empty cmdline). */
export async function processArgs(pid: number, proc = '/proc'): Promise<string[] | null> {
  const text = await readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => '');
  if (text === '') return null;
  return text.split('\0').filter((arg) => arg !== '');
}

/**
 * Whether `pid` is the qemu-storage-daemon serving `diskFile`, so a reused pid never gets
 * someone else's process signalled.
 */
export async function isOurQsd(pid: number, diskFile: string): Promise<boolean> {
  const args = await processArgs(pid);
  return (
    args !== null &&
    args.some((arg) => arg.endsWith('qemu-storage-daemon')) &&
    args.some(
      (arg) => arg.includes(`mountpoint=${diskFile},`) || arg.endsWith(`mountpoint=${diskFile}`),
    )
  );
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM (qsd flushes and unmounts its FUSE export), then SIGKILL after `termMs`. True when
 * the process is gone; `stillThere` decides, so a reused pid counts as gone.
 */
export async function stopProcess(
  pid: number,
  stillThere: () => Promise<boolean>,
  termMs: number,
  killMs = 3000,
): Promise<{ gone: boolean; killed: boolean }> {
  const gone = async () => !(await stillThere());
  if (await gone()) return { gone: true, killed: false };
  signal(pid, 'SIGTERM');
  if (await waitUntil(gone, termMs, 50)) return { gone: true, killed: false };
  signal(pid, 'SIGKILL');
  return { gone: await waitUntil(gone, killMs, 50), killed: true };
}

/** Mount points in this mount namespace, from /proc/self/mountinfo (octal escapes decoded). */
export async function mountPoints(): Promise<Map<string, string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 5 || dash < 0) continue;
    const point = fields[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    points.set(point, fields[dash + 1] ?? '');
  }
  return points;
}
