import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { firstLine } from '../volumes/command.js';
import type { Run } from './command.js';

/** `/dev/loopN` → its backing file as the kernel reports it, or null (not a loop, unset). */
export async function loopBackingFile(device: string, sys = '/sys/block'): Promise<string | null> {
  const name = path.basename(device);
  if (!/^loop\d+$/.test(name)) return null;
  const text = await readFile(path.join(sys, name, 'loop', 'backing_file'), 'utf8').catch(
    () => null,
  );
  return text === null ? null : text.trim().replace(/ \(deleted\)$/, '');
}

/** A new loop device over `file` (read-only with -r); its name. */
export async function loopSetup(run: Run, file: string, readOnly: boolean): Promise<string> {
  const r = await run('losetup', ['--find', '--show', ...(readOnly ? ['-r'] : []), file], {
    timeoutMs: 15_000,
  });
  const device = r.stdout.trim();
  if (r.code !== 0 || !/^\/dev\/loop\d+$/.test(device)) {
    throw new DvsanError(
      'agent-error',
      `losetup over ${file} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
    );
  }
  return device;
}

/** True when the device is gone (detached now, or autoclear set while something holds it). */
export async function loopDetach(run: Run, device: string): Promise<boolean> {
  const r = await run('losetup', ['-d', device], { timeoutMs: 15_000 });
  return r.code === 0 || /No such device/i.test(r.stderr);
}
