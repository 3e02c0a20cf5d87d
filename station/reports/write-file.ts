import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { DvsanError } from '../../protocol/index.js';

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the filesystem is read-only',
  ENOSPC: 'the disk is full',
  ENOENT: 'the folder does not take new files',
};

function cannotWrite(where: string, err: unknown): DvsanError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new DvsanError(
    'invalid-params',
    `cannot write ${where}: ${reasons[code] ?? (err as Error).message}`,
    { field: 'path' },
  );
}

/** Refuses a path the report cannot go to, before any work is done. */
export async function checkDestination(dest: string, force: boolean): Promise<void> {
  if (!isAbsolute(dest))
    throw new DvsanError('invalid-params', `the output path must be absolute: ${dest}`, {
      field: 'path',
    });
  const dir = dirname(dest);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory())
    throw new DvsanError('invalid-params', `the folder ${dir} does not exist`, { field: 'path' });
  await access(dir, constants.W_OK).catch((err: unknown) => {
    throw cannotWrite(`to ${dir}`, err);
  });
  const existing = await stat(dest).catch(() => null);
  if (existing?.isDirectory())
    throw new DvsanError('invalid-params', `${dest} is a folder: name a file`, { field: 'path' });
  if (existing && !force)
    throw new DvsanError('conflict', `${dest} already exists: pass --force to replace it`, {
      field: 'path',
    });
}

/**
 * Writes through a temporary file next to `dest` and moves it into place only when `write`
 * finished, so a failure never leaves a partial report behind. Without `force` the move
 * refuses to replace a file that appeared meanwhile.
 */
export async function writeAtomically(
  dest: string,
  force: boolean,
  write: (tempPath: string) => Promise<void>,
): Promise<void> {
  await checkDestination(dest, force);
  const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await write(temp);
    if (force) await rename(temp, dest);
    else {
      await link(temp, dest).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST')
          throw new DvsanError('conflict', `${dest} already exists: pass --force to replace it`);
        throw err;
      });
      await unlink(temp);
    }
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof DvsanError || !(err as NodeJS.ErrnoException).code) throw err;
    throw cannotWrite(dest, err);
  }
}
