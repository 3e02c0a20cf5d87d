import { createHash } from 'node:crypto';
import path from 'node:path';
import { ExportConflictError, InvalidExportError, TargetNotFoundError } from '../errors.js';
import { cfs, findLink, readOptional, type LioContext } from './configfs.js';
import type { MappedLUN } from './mapped-lun.js';
import { CfsNode, type CreateMode } from './node.js';
import type { SavedLun } from './saved.js';
import { StorageObject } from './storage-object.js';
import type { TPG } from './tpg.js';

/** rtslib's limit on TPG LUN indexes. */
export const maxLun = 255;

/**
 * A symlink name for a LUN or mapped LUN. rtslib picks 10 random hex digits; dvsan derives
 * them from the object's place so the same export always gives the same tree.
 */
export function aliasFor(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 10);
}

/** The configfs root with symlinks resolved, to read where a LUN link points. */
export async function realRoot(ctx: LioContext): Promise<string> {
  return cfs(ctx, 'resolve', ctx.root, () => ctx.fs.realpath(ctx.root));
}

/** A TPG's LUN (rtslib's LUN): `tpgt_N/lun/lun_<i>` holding one symlink to a storage object. */
export class LUN extends CfsNode {
  readonly kind = 'LUN';

  private constructor(
    readonly tpg: TPG,
    readonly index: number,
  ) {
    super(tpg.ctx, path.join(tpg.path, 'lun', `lun_${index}`));
  }

  /**
   * Binds LUN `index` per `mode`. Creating needs `so`; an existing LUN given `so` must point
   * at it, or the call fails with a conflict rather than re-pointing a live LUN.
   */
  static async open(
    tpg: TPG,
    index: number,
    mode: CreateMode,
    so?: StorageObject,
    alias?: string,
  ): Promise<{ lun: LUN; created: boolean }> {
    if (!Number.isInteger(index) || index < 0 || index > maxLun)
      throw new InvalidExportError(`LUN index must be 0 to ${maxLun}`);
    const lun = new LUN(tpg, index);
    const exists = await lun.exists();
    if (exists && mode === 'create') throw new ExportConflictError(`${lun} already exists`);
    if (!exists && mode === 'lookup') throw new TargetNotFoundError(`${lun} does not exist`);
    if (exists) {
      if (so) {
        const current = await lun.storageObject();
        if (!current || current.path !== so.path)
          throw new ExportConflictError(`${lun} serves ${current ?? 'nothing'}, not ${so}`);
      }
      return { lun, created: false };
    }
    if (!so) throw new TargetNotFoundError(`${lun} does not exist and no storage object was given`);
    if (!(await so.exists()) || !(await so.configured()))
      throw new TargetNotFoundError(`${so} is not configured in configfs`);
    const name = alias ?? aliasFor(path.relative(tpg.ctx.root, lun.path));
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
      throw new InvalidExportError(`LUN alias "${name.slice(0, 64)}" is invalid`);
    await lun.realize('create');
    try {
      const link = path.join(lun.path, name);
      await cfs(lun.ctx, 'symlink', link, () => lun.ctx.fs.symlink(so.path, link));
    } catch (err) {
      await lun.delete().catch(() => undefined);
      throw err;
    }
    return { lun, created: true };
  }

  /** The symlink's name, or null for a broken LUN. */
  async alias(): Promise<string | null> {
    return findLink(this.ctx, this.path);
  }

  /** The storage object the LUN serves, or null when its link is missing or points elsewhere. */
  async storageObject(): Promise<StorageObject | null> {
    const alias = await this.alias();
    if (!alias) return null;
    const link = path.join(this.path, alias);
    const real = await cfs(this.ctx, 'resolve', link, () => this.ctx.fs.realpath(link));
    return StorageObject.fromRealPath(this.ctx, await realRoot(this.ctx), real);
  }

  /** Every ACL's mapped LUN that points at this LUN. */
  async mappedLuns(): Promise<MappedLUN[]> {
    const out: MappedLUN[] = [];
    for (const acl of await this.tpg.nodeAcls())
      for (const mlun of await acl.mappedLuns())
        if ((await mlun.tpgLunIndex()) === this.index) out.push(mlun);
    return out;
  }

  /** The ALUA group named in `alua_tg_pt_gp` ("TG Port Alias: <name>"), or null. */
  async aluaGroup(): Promise<string | null> {
    const text = await readOptional(this.ctx, path.join(this.path, 'alua_tg_pt_gp'));
    const first = text?.split('\n')[0] ?? '';
    const colon = first.indexOf(':');
    return colon < 0 ? null : first.slice(colon + 1).trim() || null;
  }

  async setAluaGroup(name: string): Promise<void> {
    if ((await this.aluaGroup()) === null || (await this.aluaGroup()) === name) return;
    const file = path.join(this.path, 'alua_tg_pt_gp');
    await cfs(this.ctx, 'write', file, () => this.ctx.fs.write(file, name));
  }

  /** Mapped LUNs pointing here first, then the link, then the directory. */
  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    for (const mlun of await this.mappedLuns()) await mlun.delete();
    const alias = await this.alias();
    if (alias) {
      const link = path.join(this.path, alias);
      await cfs(this.ctx, 'unlink', link, () => this.ctx.fs.unlink(link));
    }
    await super.delete();
  }

  async dump(): Promise<SavedLun> {
    const so = await this.storageObject();
    if (!so) throw new TargetNotFoundError(`${this} has no storage object (broken link)`);
    return {
      index: this.index,
      storage_object: so.savedRef,
      alias: (await this.alias())!,
      alua_tg_pt_gp_name: await this.aluaGroup(),
    };
  }
}
