import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rmdir,
  symlink,
  unlink,
} from 'node:fs/promises';
import path from 'node:path';
import { ConfigfsError, errnoOf } from '../errors.js';

/** Where the kernel mounts LIO's configfs tree. */
export const defaultConfigfsRoot = '/sys/kernel/config/target';

export type EntryKind = 'dir' | 'file' | 'link';
export interface EntryStat {
  kind: EntryKind;
  /** Permission bits: configfs marks read-only and write-only attributes this way. */
  mode: number;
}

/**
 * The file operations the LIO objects use, as configfs defines them: mkdir of an object makes
 * the kernel add its default entries (attributes, default groups); files can be written but
 * never created; rmdir removes those defaults with the directory but refuses while anything
 * made by hand (a child directory, a symlink) is still inside. Tests pass an implementation
 * over a temporary directory that emulates those side effects.
 */
export interface ConfigFs {
  /** lstat; null when nothing is at `file`. */
  stat(file: string): Promise<EntryStat | null>;
  /** Entry names, sorted. */
  readdir(dir: string): Promise<string[]>;
  read(file: string): Promise<string>;
  /** One write() of `data` to an existing attribute; never creates the file. */
  write(file: string, data: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  rmdir(dir: string): Promise<void>;
  symlink(target: string, link: string): Promise<void>;
  unlink(link: string): Promise<void>;
  realpath(file: string): Promise<string>;
}

/** The real thing: plain syscalls on the mounted configfs. */
export const nodeConfigFs: ConfigFs = {
  async stat(file) {
    try {
      const st = await lstat(file);
      const kind: EntryKind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
      return { kind, mode: st.mode & 0o7777 };
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw err;
    }
  },
  async readdir(dir) {
    return (await readdir(dir)).sort();
  },
  async read(file) {
    return readFile(file, 'utf8');
  },
  async write(file, data) {
    // No O_CREAT: configfs has no such thing, and a typo must fail rather than make a file.
    const handle = await open(file, constants.O_WRONLY | constants.O_TRUNC);
    try {
      // configfs stores what one write() call hands it; these values are far below a page.
      await handle.write(data);
    } finally {
      await handle.close();
    }
  },
  async mkdir(dir) {
    await mkdir(dir);
  },
  async rmdir(dir) {
    await rmdir(dir);
  },
  async symlink(target, link) {
    await symlink(target, link);
  },
  async unlink(link) {
    await unlink(link);
  },
  async realpath(file) {
    return realpath(file);
  },
};

/** What the objects share: the file operations and where the tree is. */
export interface LioContext {
  fs: ConfigFs;
  /** The configfs target directory, e.g. /sys/kernel/config/target. */
  root: string;
}

/**
 * Runs one configfs operation and turns a failure into a {@link ConfigfsError} naming the
 * operation and the path. The data written is never part of the message: it may be a secret.
 */
export async function cfs<T>(
  ctx: LioContext,
  op: string,
  file: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const code = errnoOf(err);
    const where = path.relative(ctx.root, file) || '.';
    throw new ConfigfsError(`configfs: ${op} ${where} failed (${code})`, {
      op,
      path: file,
      errno: code,
    });
  }
}

/** An attribute's value as rtslib's fread gives it: the text without surrounding whitespace. */
export async function readValue(ctx: LioContext, file: string): Promise<string> {
  return (await cfs(ctx, 'read', file, () => ctx.fs.read(file))).trim();
}

/** The value, or null when the attribute does not exist on this kernel. */
export async function readOptional(ctx: LioContext, file: string): Promise<string | null> {
  const st = await ctx.fs.stat(file);
  return st?.kind === 'file' ? readValue(ctx, file) : null;
}

/**
 * Writes `value` only when the attribute holds something else. Several configfs attributes
 * refuse a rewrite of their current value (a TPG's or a device's `enable`), and skipping equal
 * writes is what makes a second ensureExport a no-op.
 */
export async function writeIfChanged(
  ctx: LioContext,
  file: string,
  value: string,
): Promise<boolean> {
  if ((await readValue(ctx, file)) === value.trim()) return false;
  await cfs(ctx, 'write', file, () => ctx.fs.write(file, value));
  return true;
}

/** Sub-directory names of `dir` (none when it does not exist). */
export async function subdirs(ctx: LioContext, dir: string): Promise<string[]> {
  const st = await ctx.fs.stat(dir);
  if (st?.kind !== 'dir') return [];
  const names = await cfs(ctx, 'list', dir, () => ctx.fs.readdir(dir));
  const kinds = await Promise.all(names.map((name) => ctx.fs.stat(path.join(dir, name))));
  return names.filter((_, i) => kinds[i]?.kind === 'dir');
}

/** The one symlink inside an object directory (a LUN's or mapped LUN's), or null. */
export async function findLink(ctx: LioContext, dir: string): Promise<string | null> {
  const names = await cfs(ctx, 'list', dir, () => ctx.fs.readdir(dir));
  for (const name of names) {
    if ((await ctx.fs.stat(path.join(dir, name)))?.kind === 'link') return name;
  }
  return null;
}
