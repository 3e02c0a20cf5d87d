import { constants, type Stats } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import type { StorageVolume } from '../../protocol/storage.js';
import { volumeNameSchema } from '../../protocol/volumes.js';
import { syncDir } from '../common/atomic-file.js';
import { measureDir } from '../inventory/data-dir.js';
import { findTool } from '../inventory/tools.js';
import { firstLine, runProgram } from './command.js';
import { checkSize, checkVolumeId, describeBytes, pathInside } from './ids.js';
import type { CreateOptions, VolumeBackend } from './index.js';

export const volumesSubdir = 'volumes';
const imageSuffix = '.img';
const partialSuffix = '.partial';
/** A `.partial` file this old was left by a create that crashed or lost its agent. */
export const stalePartialMs = 60_000;

/** Makes `sizeBytes` of `file` really allocated (the handle is open on it, read-write). */
export type Preallocator = (file: string, handle: FileHandle, sizeBytes: number) => Promise<void>;

export interface FileBackendOptions {
  /** The pool directory (the data directory); volumes live in its `volumes/`. */
  dir: string;
  /** Defaults to `dir:<dir>`, the id storage.inventory gives the pool. */
  poolId?: string;
  /** Where `fallocate` is looked up (PATH). */
  env?: NodeJS.ProcessEnv;
  /** Bytes the agent may still use on the filesystem holding `dir`; tests inject. */
  freeBytes?: (dir: string) => Promise<number>;
  preallocate?: Preallocator;
  now?: () => number;
}

/** Partials this process is writing: never stale, however long a zero-fill takes. */
const activePartials = new Set<string>();

/**
 * File-backed volumes: sparse files `<dir>/volumes/<id>.img` (directory 0700, files 0600).
 * A volume appears under its real name only once complete: it is written as
 * `<id>.img.partial` and then linked into place.
 */
export class FileVolumeBackend implements VolumeBackend {
  readonly kind = 'file' as const;
  readonly dir: string;
  readonly poolId: string;
  readonly volumesDir: string;
  private readonly freeBytes: (dir: string) => Promise<number>;
  private readonly preallocate: Preallocator;
  private readonly now: () => number;

  constructor(options: FileBackendOptions) {
    this.dir = path.resolve(options.dir);
    this.volumesDir = path.join(this.dir, volumesSubdir);
    this.poolId = options.poolId ?? `dir:${this.dir}`;
    this.freeBytes = options.freeBytes ?? (async (dir) => (await measureDir(dir)).freeBytes);
    this.preallocate = options.preallocate ?? fallocatePreallocator(options.env ?? process.env);
    this.now = options.now ?? Date.now;
  }

  /** Where volume `id` lives; checks the id, and that the path stays inside the pool. */
  pathOf(id: string): string {
    return pathInside(this.volumesDir, `${checkVolumeId(id)}${imageSuffix}`);
  }

  async get(id: string): Promise<StorageVolume | null> {
    const file = this.pathOf(id);
    const stats = await lstatOrNull(file);
    if (!stats) return null;
    // A symlink or directory under a volume's name is not ours to size, grow or delete.
    if (!stats.isFile())
      throw new DvsanError('conflict', `${file} exists but is not a regular file`);
    return this.volumeFrom(id, file, stats);
  }

  /** Every complete volume; creates nothing, and clears partials left by crashed creates. */
  async list(): Promise<StorageVolume[]> {
    let names: string[];
    try {
      names = await readdir(this.volumesDir);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
    const volumes: StorageVolume[] = [];
    for (const name of names.sort()) {
      const file = path.join(this.volumesDir, name);
      if (name.endsWith(imageSuffix + partialSuffix)) {
        await this.clearStalePartial(file);
        continue;
      }
      const id = name.slice(0, -imageSuffix.length);
      if (!name.endsWith(imageSuffix) || !volumeNameSchema.safeParse(id).success) continue;
      // lstat: a symlink could point anywhere, and its size would not be this pool's.
      const stats = await lstatOrNull(file);
      if (stats?.isFile()) volumes.push(this.volumeFrom(id, file, stats));
    }
    return volumes;
  }

  async create(id: string, sizeBytes: number, options: CreateOptions): Promise<StorageVolume> {
    const file = this.pathOf(id);
    checkSize(sizeBytes);
    const existing = await this.get(id);
    if (existing) return sameSize(existing, sizeBytes);
    await mkdir(this.volumesDir, { recursive: true, mode: 0o700 });
    await this.ensureRoom(id, sizeBytes);

    const partial = file + partialSuffix;
    const handle = await this.openPartial(id, partial);
    activePartials.add(partial);
    try {
      try {
        await handle.chmod(0o600); // open()'s mode passes through the umask
        if (options.preallocate) await this.preallocate(partial, handle, sizeBytes);
        else await handle.truncate(sizeBytes);
        await handle.sync();
      } finally {
        await handle.close().catch(() => undefined);
      }
      if (!(await publish(partial, file))) {
        // Another agent process made the same volume meanwhile: answer as if it had been first.
        const made = await this.get(id);
        if (!made) throw new DvsanError('agent-error', `volume ${id} vanished while being created`);
        return sameSize(made, sizeBytes);
      }
    } catch (err) {
      await rm(partial, { force: true }).catch(() => undefined);
      throw writeError(
        err,
        `no space left to create volume ${id}; nothing was kept`,
        id,
        sizeBytes,
      );
    } finally {
      activePartials.delete(partial);
    }
    await syncDir(this.volumesDir);
    const created = await this.get(id);
    if (!created) throw new DvsanError('agent-error', `volume ${id} vanished after being created`);
    return created;
  }

  /** Grow only; the added part is sparse even on a preallocated volume. */
  async resize(id: string, sizeBytes: number): Promise<StorageVolume> {
    const file = this.pathOf(id);
    checkSize(sizeBytes);
    if (!(await this.get(id))) {
      throw new DvsanError('not-found', `volume ${id} not found in pool ${this.poolId}`);
    }
    // O_NOFOLLOW, and the size read from the open file: whatever the name points at now is
    // what gets checked and grown.
    const handle = await open(file, constants.O_RDWR | constants.O_NOFOLLOW);
    try {
      const { size } = await handle.stat();
      if (sizeBytes < size) {
        throw new DvsanError(
          'invalid-params',
          `volumes only grow: ${id} has ${describeBytes(size)}, asked for ${describeBytes(sizeBytes)}`,
        );
      }
      if (sizeBytes > size) {
        await this.ensureRoom(id, sizeBytes - size);
        await handle.truncate(sizeBytes);
        await handle.sync();
      }
    } catch (err) {
      throw writeError(err, `no space left to grow volume ${id}`, id, sizeBytes);
    } finally {
      await handle.close().catch(() => undefined);
    }
    const grown = await this.get(id);
    if (!grown) throw new DvsanError('agent-error', `volume ${id} vanished while being resized`);
    return grown;
  }

  /** Idempotent: a volume already gone answers false. */
  async remove(id: string): Promise<boolean> {
    const file = this.pathOf(id);
    if (!(await this.get(id))) return false;
    try {
      await unlink(file);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false;
      throw err;
    }
    await syncDir(this.volumesDir);
    return true;
  }

  private volumeFrom(id: string, file: string, stats: Stats): StorageVolume {
    return {
      id,
      name: id,
      pool: this.poolId,
      sizeBytes: stats.size,
      // st_blocks counts 512-byte units whatever the filesystem's block size.
      allocatedBytes: stats.blocks * 512,
      backing: file,
      offset: 0,
      exported: false,
    };
  }

  private async ensureRoom(id: string, neededBytes: number): Promise<void> {
    const freeBytes = await this.freeBytes(this.volumesDir);
    if (neededBytes > freeBytes) {
      throw new DvsanError(
        'invalid-params',
        `not enough free space: volume ${id} needs ${describeBytes(neededBytes)}, ` +
          `${this.dir} has ${describeBytes(freeBytes)} available`,
        { neededBytes, freeBytes },
      );
    }
  }

  /** 'wx': never reuse or follow what sits at the partial's name; a stale one is cleared once. */
  private async openPartial(id: string, partial: string): Promise<FileHandle> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await open(partial, 'wx', 0o600);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw err;
        if (attempt > 0 || !(await this.clearStalePartial(partial))) {
          throw new DvsanError('conflict', `volume ${id} is being created by another request`);
        }
      }
    }
  }

  /** Removes a partial older than {@link stalePartialMs} that nobody here is writing. */
  private async clearStalePartial(file: string): Promise<boolean> {
    if (activePartials.has(file)) return false;
    const stats = await lstatOrNull(file);
    if (!stats || this.now() - stats.mtimeMs < stalePartialMs) return false;
    await rm(file, { force: true }).catch(() => undefined);
    return true;
  }
}

/**
 * Moves a finished partial to its real name without ever replacing a volume: link(2) fails
 * when the name exists, where rename(2) would overwrite. False when the name was taken.
 */
async function publish(partial: string, file: string): Promise<boolean> {
  try {
    await link(partial, file);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EEXIST') {
      await rm(partial, { force: true });
      return false;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
      throw err;
    }
    // A filesystem without hard links: look, then rename (the in-process lock covers the gap).
    if (await lstatOrNull(file)) {
      await rm(partial, { force: true });
      return false;
    }
    await rename(partial, file);
    return true;
  }
  await unlink(partial);
  return true;
}

function sameSize(existing: StorageVolume, sizeBytes: number): StorageVolume {
  if (existing.sizeBytes === sizeBytes) return existing;
  throw new DvsanError(
    'conflict',
    `volume ${existing.id} already exists with ${describeBytes(existing.sizeBytes)}, ` +
      `not ${describeBytes(sizeBytes)}`,
  );
}

function writeError(err: unknown, noSpace: string, id: string, sizeBytes: number): unknown {
  if (err instanceof DvsanError) return err;
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DvsanError('disk-full', noSpace);
  if (code === 'EFBIG') {
    return new DvsanError(
      'invalid-params',
      `volume ${id}: ${describeBytes(sizeBytes)} is more than this filesystem allows in one file`,
    );
  }
  return err;
}

function errnoOf(err: unknown): string | undefined {
  if (err instanceof DvsanError || typeof err !== 'object' || err === null) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Writes zeros over the whole size: preallocation where fallocate(2) is unavailable. */
export async function writeZeros(handle: FileHandle, sizeBytes: number): Promise<void> {
  const chunk = Buffer.alloc(Math.min(sizeBytes, 1024 * 1024));
  let position = 0;
  while (position < sizeBytes) {
    const length = Math.min(chunk.length, sizeBytes - position);
    const { bytesWritten } = await handle.write(chunk, 0, length, position);
    if (bytesWritten <= 0) throw errnoError('EIO', `wrote nothing at offset ${position}`);
    position += bytesWritten;
  }
}

/**
 * Node has no fallocate(2): run util-linux `fallocate -l SIZE FILE` (argv, no shell), and
 * write zeros where the tool is missing or the filesystem does not support it. A full disk
 * comes back as ENOSPC either way, so the caller handles one error.
 */
export function fallocatePreallocator(env: NodeJS.ProcessEnv): Preallocator {
  return async (file, handle, sizeBytes) => {
    const tool = await findTool('fallocate', env.PATH);
    if (tool) {
      const result = await runProgram(tool, ['-l', String(sizeBytes), file], {
        timeoutMs: 600_000,
      });
      if (result.code === 0) return;
      if (/no space left/i.test(result.stderr)) throw errnoError('ENOSPC', result.stderr);
      if (/quota exceeded/i.test(result.stderr)) throw errnoError('EDQUOT', result.stderr);
      if (!/not supported/i.test(result.stderr)) {
        throw new DvsanError(
          'agent-error',
          `fallocate failed for ${file}: ${firstLine(result.stderr) || `exit ${result.code}`}`,
        );
      }
    }
    await writeZeros(handle, sizeBytes);
  };
}
