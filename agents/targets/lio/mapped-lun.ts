import path from 'node:path';
import { ExportConflictError, InvalidExportError, TargetNotFoundError } from '../errors.js';
import { cfs, findLink, readValue, writeIfChanged } from './configfs.js';
import { aliasFor, maxLun, type LUN } from './lun.js';
import { CfsNode, type CreateMode } from './node.js';
import type { NodeACL } from './node-acl.js';
import type { SavedMappedLun } from './saved.js';

export interface MappedLunTarget {
  tpgLun: LUN;
  writeProtect: boolean;
  alias?: string | undefined;
}

/**
 * What one initiator sees as LUN `index` (rtslib's MappedLUN): `acls/<iqn>/lun_<i>` holding a
 * symlink to the TPG's LUN, plus `write_protect`.
 */
export class MappedLUN extends CfsNode {
  readonly kind = 'MappedLUN';

  private constructor(
    readonly acl: NodeACL,
    readonly index: number,
  ) {
    super(acl.ctx, path.join(acl.path, `lun_${index}`));
  }

  /** Binds per `mode`; creating needs `target`, and an existing one must point at its LUN. */
  static async open(
    acl: NodeACL,
    index: number,
    mode: CreateMode,
    target?: MappedLunTarget,
  ): Promise<{ mlun: MappedLUN; created: boolean }> {
    if (!Number.isInteger(index) || index < 0 || index > maxLun)
      throw new InvalidExportError(`mapped LUN index must be 0 to ${maxLun}`);
    const mlun = new MappedLUN(acl, index);
    const exists = await mlun.exists();
    if (exists && mode === 'create') throw new ExportConflictError(`${mlun} already exists`);
    if (!exists && mode === 'lookup') throw new TargetNotFoundError(`${mlun} does not exist`);
    if (exists) {
      if (target) {
        const current = await mlun.tpgLunIndex();
        if (current !== target.tpgLun.index)
          throw new ExportConflictError(
            `${mlun} maps TPG LUN ${current ?? 'none'}, not ${target.tpgLun.index}`,
          );
        await mlun.setWriteProtect(target.writeProtect);
      }
      return { mlun, created: false };
    }
    if (!target) throw new TargetNotFoundError(`${mlun} does not exist and no TPG LUN was given`);
    if (!(await target.tpgLun.exists()))
      throw new TargetNotFoundError(`${target.tpgLun} does not exist`);
    const name = target.alias ?? aliasFor(path.relative(acl.ctx.root, mlun.path));
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
      throw new InvalidExportError(`mapped LUN alias "${name.slice(0, 64)}" is invalid`);
    await mlun.realize('create');
    try {
      const link = path.join(mlun.path, name);
      await cfs(mlun.ctx, 'symlink', link, () => mlun.ctx.fs.symlink(target.tpgLun.path, link));
      await mlun.setWriteProtect(target.writeProtect);
    } catch (err) {
      await mlun.delete().catch(() => undefined);
      throw err;
    }
    return { mlun, created: true };
  }

  async alias(): Promise<string | null> {
    return findLink(this.ctx, this.path);
  }

  /** The index of the TPG LUN the link resolves to, or null when it is broken. */
  async tpgLunIndex(): Promise<number | null> {
    const alias = await this.alias();
    if (!alias) return null;
    const link = path.join(this.path, alias);
    const real = await cfs(this.ctx, 'resolve', link, () => this.ctx.fs.realpath(link));
    const match = /^lun_(\d+)$/.exec(path.basename(real));
    return match ? Number(match[1]) : null;
  }

  async writeProtect(): Promise<boolean> {
    return (await readValue(this.ctx, path.join(this.path, 'write_protect'))) === '1';
  }

  async setWriteProtect(on: boolean): Promise<void> {
    await writeIfChanged(this.ctx, path.join(this.path, 'write_protect'), on ? '1' : '0');
  }

  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    const alias = await this.alias();
    if (alias) {
      const link = path.join(this.path, alias);
      await cfs(this.ctx, 'unlink', link, () => this.ctx.fs.unlink(link));
    }
    await super.delete();
  }

  async dump(): Promise<SavedMappedLun> {
    const tpgLun = await this.tpgLunIndex();
    if (tpgLun === null) throw new TargetNotFoundError(`${this} has no TPG LUN (broken link)`);
    return {
      index: this.index,
      tpg_lun: tpgLun,
      write_protect: await this.writeProtect(),
      alias: (await this.alias())!,
    };
  }
}
