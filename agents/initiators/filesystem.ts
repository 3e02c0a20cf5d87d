import { DvsanError } from '../../protocol/errors.js';
import { firstLine } from '../volumes/command.js';
import type { Run } from './command.js';

export type FilesystemType = 'ext4' | 'xfs';

/** What `blkid -p` finds on a device: a filesystem type, some other signature, or nothing. */
export async function probeSignature(run: Run, device: string): Promise<string | null> {
  const r = await run('blkid', ['-p', '-o', 'export', device], { timeoutMs: 30_000 });
  // Exit 2: no signature found at all.
  if (r.code === 2) return null;
  if (r.code !== 0)
    throw new DvsanError(
      'agent-error',
      `blkid -p ${device} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
    );
  const fields = Object.fromEntries(
    r.stdout
      .split('\n')
      .map((line) => line.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [k, v.join('=')]),
  );
  return fields.TYPE ?? fields.PTTYPE ?? 'unknown signature';
}

export function mkfsCommand(type: FilesystemType, device: string): [string, string[]] {
  return type === 'ext4' ? ['mkfs.ext4', ['-q', device]] : ['mkfs.xfs', ['-q', device]];
}

/** Formats `device`; the caller has made sure it carries no signature. */
export async function makeFilesystem(
  run: Run,
  type: FilesystemType,
  device: string,
): Promise<void> {
  const [tool, args] = mkfsCommand(type, device);
  const r = await run(tool, args, { timeoutMs: 300_000 });
  if (r.code === 127)
    throw new DvsanError(
      'agent-error',
      `${tool} is not installed on this host (${type === 'xfs' ? 'xfsprogs' : 'e2fsprogs'})`,
    );
  if (r.code !== 0)
    throw new DvsanError(
      'agent-error',
      `${tool} ${device} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
    );
}

/**
 * Formats `device` only when it has no signature at all; returns whether it did. Existing
 * data of another type, format 'never' on an empty device, and read-only are refused.
 */
export async function formatIfEmpty(
  run: Run,
  device: string,
  fs: { type: FilesystemType; format: 'if-empty' | 'never' },
  readOnly: boolean,
): Promise<boolean> {
  const found = await probeSignature(run, device);
  if (found === fs.type) return false;
  if (found !== null)
    throw new DvsanError(
      'invalid-params',
      `the volume holds ${found}, not ${fs.type}; dvsan never formats over existing data. Attach it with filesystem type ${found}, or without a filesystem`,
      { found },
    );
  if (fs.format === 'never')
    throw new DvsanError(
      'invalid-params',
      `the volume is empty and format is 'never': nothing to mount. Use format 'if-empty'`,
    );
  if (readOnly)
    throw new DvsanError(
      'invalid-params',
      'the volume is empty and the attachment is read-only: attach it writable once to format it',
    );
  await makeFilesystem(run, fs.type, device);
  return true;
}

export async function mountFilesystem(
  run: Run,
  type: FilesystemType,
  device: string,
  mountPoint: string,
  readOnly: boolean,
): Promise<void> {
  const r = await run(
    'mount',
    ['-t', type, ...(readOnly ? ['-o', 'ro'] : []), device, mountPoint],
    {
      timeoutMs: 60_000,
    },
  );
  if (r.code !== 0)
    throw new DvsanError(
      'agent-error',
      `mount ${device} at ${mountPoint} failed: ${firstLine(r.stderr) || `exit ${r.code}`}`,
    );
}

/** Unmounts; `lazy` detaches at once and lets the kernel finish when the files are closed. */
export async function unmount(run: Run, mountPoint: string, lazy: boolean): Promise<string | null> {
  const r = await run('umount', [...(lazy ? ['-l'] : []), mountPoint], {
    timeoutMs: lazy ? 3000 : 60_000,
  });
  if (r.code === 0 || /not mounted/i.test(r.stderr)) return null;
  return firstLine(r.stderr) || `exit ${r.code}`;
}
