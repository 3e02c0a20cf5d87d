import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `data` to a fresh temp file next to `file` with exactly `mode`, flushed to disk.
 * Returns the temp path; the caller renames or links it into place.
 */
export async function writeTempBeside(file: string, data: string, mode: number): Promise<string> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  // 'wx': never follow or reuse something already at the temp name.
  const handle = await open(temp, 'wx', mode);
  try {
    // open()'s mode passes through the umask; chmod makes it exact either way.
    await handle.chmod(mode);
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/** Flushes a directory entry change (a rename) where the filesystem supports it. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}

/**
 * Replaces `file` atomically: readers see the old content or the new, never a torn write,
 * and a crash leaves at most a stray temp file.
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const temp = await writeTempBeside(file, data, mode);
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}
