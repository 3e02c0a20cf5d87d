import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import type { DataPool } from '../../protocol/storage.js';
import { findTool } from '../inventory/tools.js';
import { listVolumeGroups, parseVgs, vgsArgs } from '../storage/vgs.js';
import { toolRunner, type CommandRunner } from './command.js';
import { FileVolumeBackend, type FileBackendOptions } from './file.js';
import type { VolumeBackend } from './index.js';
import { LvmVolumeBackend } from './lvm.js';

export interface BackendContext {
  /** The data directory: the unit's one directory pool. */
  dataDir: string;
  /** Where tools are looked up (PATH). */
  env: NodeJS.ProcessEnv;
  /** Runs LVM tools with argv arrays; defaults to the real tools, tests inject one. */
  runner?: CommandRunner;
  /** File backend knobs (free-space probe, preallocator), injected in tests. */
  file?: Omit<FileBackendOptions, 'dir' | 'poolId'>;
}

export const directoryPoolId = (dir: string): string => `dir:${dir}`;

/**
 * The backend serving a pool id. Only the data directory is a directory pool: a `dir:` id
 * naming any other place is refused, so no caller can have files made elsewhere on the unit.
 */
export function volumeBackendFor(poolId: string, ctx: BackendContext): VolumeBackend {
  if (poolId.startsWith('dir:')) {
    const dir = poolId.slice('dir:'.length);
    if (path.isAbsolute(dir) && path.resolve(dir) === path.resolve(ctx.dataDir)) {
      return new FileVolumeBackend({ ...ctx.file, env: ctx.env, dir: ctx.dataDir });
    }
    throw new DvsanError(
      'invalid-params',
      `unknown pool ${poolId}: this unit's directory pool is ${directoryPoolId(ctx.dataDir)}`,
    );
  }
  if (poolId.startsWith('lvm:')) {
    return new LvmVolumeBackend(poolId.slice('lvm:'.length), ctx.runner ?? toolRunner(ctx.env));
  }
  throw new DvsanError(
    'invalid-params',
    `unknown pool ${JSON.stringify(poolId)}: expected dir:<path> or lvm:<vg>`,
  );
}

/**
 * The unit's VGs as pools: through the injected runner, or else the vgs found on PATH or in
 * sbin (with its short timeout). No vgs, a failing one or odd output: no LVM pools.
 */
export async function volumeGroupPools(ctx: BackendContext): Promise<DataPool[]> {
  if (!ctx.runner) return listVolumeGroups(await findTool('vgs', ctx.env.PATH));
  const result = await ctx.runner('vgs', vgsArgs);
  if (result.code !== 0) return [];
  try {
    return parseVgs(result.stdout);
  } catch {
    return [];
  }
}

/** Every backend on this unit: the data directory's first, then one per usable VG. */
export async function unitVolumeBackends(
  ctx: BackendContext,
  vgs?: readonly DataPool[],
): Promise<VolumeBackend[]> {
  const backends: VolumeBackend[] = [volumeBackendFor(directoryPoolId(ctx.dataDir), ctx)];
  for (const vg of vgs ?? (await volumeGroupPools(ctx))) {
    try {
      backends.push(volumeBackendFor(vg.id, ctx));
    } catch {
      // A VG whose name LVM allows but dvsan will not put on a command line.
    }
  }
  return backends;
}
