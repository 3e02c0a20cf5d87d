// After the cleanup: proof that the run left nothing behind on the shared machine. Loop device
// numbers are reused by other people's runs, so a device counts only if it still reads the
// very file this run gave it.
import { readdir, readFile } from 'node:fs/promises';
import { run } from '../../station/lab/run.js';

export interface UsedLoop {
  device: string;
  backing: string;
}

export async function loopBacking(device: string): Promise<string | null> {
  const name = /^\/dev\/(loop\d+)$/.exec(device)?.[1];
  if (!name) return null;
  const text = await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8').catch(() => null);
  return text === null ? null : text.trim();
}

/** What is still there: loop devices, qsd and socat processes, namespaces of this lab prefix. */
export async function leftovers(
  prefix: string,
  relayAddress: string,
  loops: UsedLoop[],
): Promise<string[]> {
  const found: string[] = [];
  for (const l of loops)
    if ((await loopBacking(l.device)) === l.backing) found.push(`${l.device} (${l.backing})`);
  const ours = new RegExp(`initiator-name=[^,]*:${prefix}-h\\d`);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''))
      .split('\0')
      .filter(Boolean);
    const name = argv[0]?.replace(/^.*\//, '');
    if (name === 'qemu-storage-daemon' && argv.some((a) => ours.test(a)))
      found.push(`qemu-storage-daemon pid ${entry}`);
    if (name === 'socat' && argv.some((a) => a.includes(`bind=${relayAddress},`)))
      found.push(`socat pid ${entry}`);
  }
  const ns = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 });
  for (const line of ns.stdout.split('\n'))
    if (line.startsWith(`${prefix}-`)) found.push(`namespace ${line.split(' ')[0]}`);
  return found;
}
