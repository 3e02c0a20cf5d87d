import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/errors.js';
import { measureDir } from '../../../../agents/inventory/data-dir.js';
import { FileVolumeBackend } from '../../../../agents/volumes/index.js';

// A real full disk: a 4 MiB tmpfs. Mounting needs root; elsewhere the injected-writer test in
// file.test.ts covers the same path.
const MiB = 1024 ** 2;
let mountPoint = '';
let mounted = false;

beforeAll(async () => {
  mountPoint = await mkdtemp(path.join(os.tmpdir(), 'dvsan-enospc-'));
  if (process.getuid?.() !== 0) return;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'dvsan-enospc', mountPoint], {
      stdio: 'ignore',
    });
    mounted = true;
  } catch {
    // No mount permission (a container without CAP_SYS_ADMIN): the tests below skip.
  }
});

afterAll(async () => {
  if (mounted) execFileSync('umount', [mountPoint], { stdio: 'ignore' });
  if (mountPoint) await rm(mountPoint, { recursive: true, force: true });
});

describe('a full disk during preallocation', () => {
  it.for([
    ['fallocate', process.env.PATH],
    ['writing zeros', ''],
  ])('answers disk-full and leaves nothing (%s)', async ([, searchPath], ctx) => {
    if (!mounted) return ctx.skip();
    // The probe claims room, so the space check passes and the write itself hits ENOSPC.
    const backend = new FileVolumeBackend({
      dir: mountPoint,
      env: { PATH: searchPath },
      freeBytes: async () => 64 * MiB,
    });
    const err = await backend
      .create('big', 8 * MiB, { preallocate: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DvsanError);
    expect((err as DvsanError).code).toBe('disk-full');
    expect((err as DvsanError).message).toMatch(/nothing was kept/);
    expect(await readdir(backend.volumesDir)).toEqual([]);
    expect(await backend.list()).toEqual([]);
    // All the space is back.
    expect((await measureDir(mountPoint)).freeBytes).toBeGreaterThan(3.9 * MiB);
  });

  it('is refused up front when the real free space is too small', async (ctx) => {
    if (!mounted) return ctx.skip();
    const backend = new FileVolumeBackend({ dir: mountPoint });
    const err = await backend
      .create('big', 8 * MiB, { preallocate: true })
      .catch((e: unknown) => e);
    expect((err as DvsanError).code).toBe('invalid-params');
    expect((err as DvsanError).message).toMatch(/^not enough free space/);
    // What fits still fits.
    const small = await backend.create('small', 2 * MiB, { preallocate: true });
    expect(small.allocatedBytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(await backend.remove('small')).toBe(true);
  });
});
