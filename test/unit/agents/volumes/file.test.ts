import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/errors.js';
import { storageVolumeSchema } from '../../../../protocol/storage.js';
import { volumeNameSchema } from '../../../../protocol/volumes.js';
import { measureDir } from '../../../../agents/inventory/data-dir.js';
import {
  FileVolumeBackend,
  checkVolumeId,
  pathInside,
  type FileBackendOptions,
} from '../../../../agents/volumes/index.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-volumes-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A backend on a fresh data directory of its own. */
function backend(options: Partial<FileBackendOptions> = {}): FileVolumeBackend {
  count += 1;
  return new FileVolumeBackend({
    dir: path.join(root, `data-${count}`),
    env: { PATH: process.env.PATH },
    ...options,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DvsanError) return err.code;
    throw err;
  }
  throw new Error('expected a DvsanError');
}

describe('FileVolumeBackend.create', () => {
  it('makes a sparse 0600 file in a 0700 volumes/ directory, listed with its sizes', async () => {
    const b = backend();
    const volume = await b.create('vol-1', GiB, { preallocate: false });
    const file = path.join(b.dir, 'volumes', 'vol-1.img');
    expect(volume).toEqual({
      id: 'vol-1',
      name: 'vol-1',
      pool: `dir:${b.dir}`,
      sizeBytes: GiB,
      allocatedBytes: volume.allocatedBytes,
      backing: file,
      offset: 0,
      exported: false,
    });
    storageVolumeSchema.parse(volume);
    // Sparse: nothing written, (almost) nothing allocated.
    expect(volume.allocatedBytes).toBeLessThan(GiB / 1000);
    const st = await stat(file);
    expect(st.size).toBe(GiB);
    expect(st.mode & 0o777).toBe(0o600);
    expect((await stat(b.volumesDir)).mode & 0o777).toBe(0o700);
    // Only the volume: the partial it was written as is gone.
    expect(await readdir(b.volumesDir)).toEqual(['vol-1.img']);
    expect(await b.list()).toEqual([volume]);
    expect(await b.get('vol-1')).toEqual(volume);
    expect(await b.get('vol-2')).toBeNull();
  });

  it('is idempotent for the same size and a conflict for another', async () => {
    const b = backend();
    const first = await b.create('vol-1', 64 * MiB, { preallocate: false });
    const { mtimeMs } = await stat(first.backing);
    await expect(b.create('vol-1', 64 * MiB, { preallocate: false })).resolves.toEqual(first);
    await expect(b.create('vol-1', 64 * MiB, { preallocate: true })).resolves.toEqual(first);
    expect((await stat(first.backing)).mtimeMs).toBe(mtimeMs);
    const other = b.create('vol-1', 128 * MiB, { preallocate: false });
    await expect(other).rejects.toThrow(/already exists with 67108864 bytes/);
    expect(await codeOf(b.create('vol-1', 32 * MiB, { preallocate: false }))).toBe('conflict');
    expect((await stat(first.backing)).size).toBe(64 * MiB);
  });

  it('refuses a size beyond the free space before writing anything', async () => {
    const b = backend();
    const { freeBytes } = await measureDir(root);
    const tooBig = freeBytes + 1024 * GiB;
    const err = await b.create('huge', tooBig, { preallocate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DvsanError);
    expect((err as DvsanError).code).toBe('invalid-params');
    expect((err as DvsanError).message).toMatch(/^not enough free space: volume huge needs/);
    expect(await readdir(b.volumesDir)).toEqual([]);
    // The same with an injected probe, for preallocation too.
    const tight = backend({ freeBytes: async () => 4 * MiB });
    expect(await codeOf(tight.create('v', 8 * MiB, { preallocate: true }))).toBe('invalid-params');
    expect(await tight.list()).toEqual([]);
    expect(await readdir(tight.volumesDir)).toEqual([]);
  });

  it.each([
    ['with fallocate', process.env.PATH],
    ['with zeros where fallocate is not found', ''],
  ])('preallocates every byte %s', async (_label, searchPath) => {
    const b = backend({ env: { PATH: searchPath } });
    const volume = await b.create('full', 8 * MiB, { preallocate: true });
    expect(volume.sizeBytes).toBe(8 * MiB);
    expect(volume.allocatedBytes).toBeGreaterThanOrEqual(8 * MiB);
    expect(volume.allocatedBytes).toBeLessThan(9 * MiB);
    expect((await stat(volume.backing)).mode & 0o777).toBe(0o600);
  });

  it('turns ENOSPC from the preallocator into disk-full and keeps nothing', async () => {
    const seen: string[] = [];
    const b = backend({
      preallocate: async (file, handle) => {
        seen.push(file);
        await handle.write(Buffer.alloc(4096, 1), 0, 4096, 0);
        throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      },
    });
    const err = await b.create('v', 8 * MiB, { preallocate: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DvsanError);
    expect((err as DvsanError).code).toBe('disk-full');
    expect(seen).toEqual([path.join(b.volumesDir, 'v.img.partial')]);
    expect(await readdir(b.volumesDir)).toEqual([]);
    // A later create with room succeeds.
    const ok = backend({ dir: b.dir });
    await expect(ok.create('v', 8 * MiB, { preallocate: false })).resolves.toMatchObject({
      sizeBytes: 8 * MiB,
    });
  });
});

describe('FileVolumeBackend.resize', () => {
  it('grows sparsely, accepts the current size, never shrinks', async () => {
    const b = backend();
    await b.create('v', 64 * MiB, { preallocate: false });
    const grown = await b.resize('v', 256 * MiB);
    expect(grown.sizeBytes).toBe(256 * MiB);
    expect(grown.allocatedBytes).toBeLessThan(MiB);
    expect((await stat(grown.backing)).size).toBe(256 * MiB);
    await expect(b.resize('v', 256 * MiB)).resolves.toEqual(grown);
    const shrink = b.resize('v', 64 * MiB);
    await expect(shrink).rejects.toThrow(/volumes only grow/);
    expect(await codeOf(b.resize('v', 64 * MiB))).toBe('invalid-params');
    expect(await codeOf(b.resize('absent', GiB))).toBe('not-found');
    expect((await stat(grown.backing)).size).toBe(256 * MiB);
  });

  it('refuses growth beyond the free space and leaves the size alone', async () => {
    const b = backend({ freeBytes: async () => 100 * MiB });
    await b.create('v', 64 * MiB, { preallocate: false });
    await expect(b.resize('v', 128 * MiB)).resolves.toMatchObject({ sizeBytes: 128 * MiB });
    const err = await b.resize('v', 512 * MiB).catch((e: unknown) => e);
    expect((err as DvsanError).code).toBe('invalid-params');
    expect((err as DvsanError).message).toMatch(/not enough free space/);
    expect((await b.get('v'))?.sizeBytes).toBe(128 * MiB);
  });
});

describe('FileVolumeBackend.remove', () => {
  it('removes once, then answers false', async () => {
    const b = backend();
    await b.create('v', MiB, { preallocate: false });
    expect(await b.remove('v')).toBe(true);
    expect(await b.remove('v')).toBe(false);
    expect(await b.list()).toEqual([]);
    expect(await backend().remove('never')).toBe(false);
  });
});

describe('FileVolumeBackend.list', () => {
  it('ignores partials, clears stale ones, and skips what is not a volume', async () => {
    const b = backend();
    await b.create('real', MiB, { preallocate: false });
    const fresh = path.join(b.volumesDir, 'fresh.img.partial');
    const stale = path.join(b.volumesDir, 'stale.img.partial');
    await writeFile(fresh, 'x');
    await writeFile(stale, 'x');
    const old = new Date(Date.now() - 2 * 60_000);
    await utimes(stale, old, old);
    await writeFile(path.join(b.volumesDir, 'Bad Name.img'), 'x');
    await writeFile(path.join(b.volumesDir, 'notes.txt'), 'x');
    await mkdir(path.join(b.volumesDir, 'dir.img'));
    await symlink('/etc/hostname', path.join(b.volumesDir, 'link.img'));

    expect((await b.list()).map((v) => v.id)).toEqual(['real']);
    // The fresh partial may belong to a create still running; the stale one is a crash's.
    await expect(lstat(fresh)).resolves.toBeTruthy();
    await expect(lstat(stale)).rejects.toThrow(/ENOENT/);
  });

  it('lets a create through a stale partial of its own id, but not a fresh one', async () => {
    const b = backend();
    await mkdir(b.volumesDir, { recursive: true });
    const partial = path.join(b.volumesDir, 'v.img.partial');
    await writeFile(partial, 'x');
    const busy = b.create('v', MiB, { preallocate: false });
    await expect(busy).rejects.toThrow(/being created by another request/);
    const old = new Date(Date.now() - 2 * 60_000);
    await utimes(partial, old, old);
    await expect(b.create('v', MiB, { preallocate: false })).resolves.toMatchObject({
      sizeBytes: MiB,
    });
    expect(await readdir(b.volumesDir)).toEqual(['v.img']);
  });

  it('creates nothing for a missing directory', async () => {
    const b = backend();
    expect(await b.list()).toEqual([]);
    await expect(stat(b.dir)).rejects.toThrow(/ENOENT/);
  });
});

describe('volume ids and paths', () => {
  const traversals = ['../etc/passwd', '..', '../x', 'a/b', '/etc/x', 'x/../../y', 'A', '-rf', ''];

  it('refuses path-looking ids in the schema and again inside the backend', async () => {
    const b = backend();
    for (const id of traversals) {
      expect(volumeNameSchema.safeParse(id).success, id).toBe(false);
      expect(() => checkVolumeId(id), id).toThrow(/invalid volume id/);
      expect(await codeOf(b.create(id, MiB, { preallocate: false })), id).toBe('invalid-params');
      expect(await codeOf(b.resize(id, MiB)), id).toBe('invalid-params');
      expect(await codeOf(b.remove(id)), id).toBe('invalid-params');
      expect(await codeOf(b.get(id)), id).toBe('invalid-params');
    }
    await expect(stat(b.dir)).rejects.toThrow(/ENOENT/);
  });

  it('keeps every path inside the pool directory, whatever name it is handed', () => {
    const dir = path.join(root, 'pool', 'volumes');
    expect(pathInside(dir, 'v.img')).toBe(path.join(dir, 'v.img'));
    for (const name of ['../v.img', '../../etc/passwd', '/etc/passwd', 'a/b.img', '.', '..', '']) {
      expect(() => pathInside(dir, name), name).toThrow(/is not a file name inside/);
    }
  });

  it('treats a symlink under a volume name as someone else’s file', async () => {
    const b = backend();
    await mkdir(b.volumesDir, { recursive: true });
    const target = path.join(root, `outside-${count}.img`);
    await writeFile(target, 'keep me');
    await symlink(target, path.join(b.volumesDir, 'v.img'));
    expect(await codeOf(b.get('v'))).toBe('conflict');
    expect(await codeOf(b.create('v', MiB, { preallocate: false }))).toBe('conflict');
    expect(await codeOf(b.resize('v', MiB))).toBe('conflict');
    expect(await codeOf(b.remove('v'))).toBe('conflict');
    expect((await stat(target)).size).toBe(7);
  });
});
