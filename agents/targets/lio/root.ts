import path from 'node:path';
import { ExportConflictError, TargetNotFoundError } from '../errors.js';
import { subdirs, type ConfigFs, type LioContext } from './configfs.js';
import type { LUN } from './lun.js';
import type { SaveConfig, SavedFabricModule } from './saved.js';
import { StorageObject } from './storage-object.js';
import { FabricModule, Target, fabricEntriesNotTargets } from './target.js';

/**
 * The top of LIO's configfs tree (rtslib's RTSRoot): every storage object and iSCSI target,
 * dump() to saveconfig.json's shape, clear(). restore() lives in restore.ts.
 */
export class LioRoot {
  private constructor(readonly ctx: LioContext) {}

  /** Fails with not-found when there is no LIO tree at `root` (configfs or target_core_mod missing). */
  static async open(fs: ConfigFs, root: string): Promise<LioRoot> {
    if ((await fs.stat(root))?.kind !== 'dir')
      throw new TargetNotFoundError(
        `no LIO configfs at ${root}: is configfs mounted and target_core_mod loaded?`,
        { configfsRoot: root },
      );
    return new LioRoot({ fs, root });
  }

  async fabric(mode: 'any' | 'lookup'): Promise<FabricModule> {
    return FabricModule.open(this.ctx, mode);
  }

  /** The iSCSI fabric when its directory exists; listing never creates it. */
  async existingFabric(): Promise<FabricModule | null> {
    if ((await this.ctx.fs.stat(path.join(this.ctx.root, 'iscsi')))?.kind !== 'dir') return null;
    return FabricModule.open(this.ctx, 'lookup');
  }

  async targets(): Promise<Target[]> {
    const fabric = await this.existingFabric();
    return fabric ? fabric.targets() : [];
  }

  /** One target by name: a stat, not a listing of every target. */
  async target(iqn: string): Promise<Target | null> {
    if (!iqn || iqn.includes('/') || fabricEntriesNotTargets.has(iqn)) return null;
    const fabric = await this.existingFabric();
    if (!fabric || (await this.ctx.fs.stat(path.join(fabric.path, iqn)))?.kind !== 'dir')
      return null;
    return (await fabric.target(iqn, 'lookup')).target;
  }

  storageObjects(): Promise<StorageObject[]> {
    return StorageObject.all(this.ctx);
  }

  /**
   * Objects dvsan cannot save: storage objects of other backstores and targets of other
   * fabrics (loopback, vhost, FC...). Writing saveconfig.json without them would drop them
   * from the next boot, so changes are refused while any exist.
   */
  async unmodelled(): Promise<string[]> {
    const found = await StorageObject.unsupported(this.ctx);
    for (const fabric of await subdirs(this.ctx, this.ctx.root)) {
      if (fabric === 'core' || fabric === 'iscsi') continue;
      for (const name of await subdirs(this.ctx, path.join(this.ctx.root, fabric)))
        if (!fabricEntriesNotTargets.has(name)) found.push(`${fabric}/${name}`);
    }
    return found;
  }

  async assertModelled(): Promise<void> {
    const found = await this.unmodelled();
    if (found.length)
      throw new ExportConflictError(
        `LIO holds objects dvsan does not save (${found.slice(0, 5).join(', ')}); saving would drop them from saveconfig.json, so nothing was changed`,
        { objects: found },
      );
  }

  /** Every LUN that serves `so`, in `within` (default: every target). */
  async lunsUsing(so: StorageObject, within?: Target[]): Promise<LUN[]> {
    const out: LUN[] = [];
    for (const target of within ?? (await this.targets()))
      for (const tpg of await target.tpgs())
        for (const lun of await tpg.luns())
          if ((await lun.storageObject())?.path === so.path) out.push(lun);
    return out;
  }

  /**
   * LUNs serving the object first (in `within` when the caller knows which targets use it; the
   * kernel refuses to remove an object a LUN still links to, so a wrong guess fails, never
   * leaves a dangling LUN), then the object and its HBA.
   */
  async deleteStorageObject(so: StorageObject, within?: Target[]): Promise<void> {
    for (const lun of await this.lunsUsing(so, within)) await lun.delete();
    await so.delete();
  }

  /** The running configuration in saveconfig.json's shape (rtslib's RTSRoot.dump()). */
  async dump(): Promise<SaveConfig> {
    await this.assertModelled();
    const fabric = await this.existingFabric();
    const fabricDump: SavedFabricModule | null = fabric ? await fabric.dump() : null;
    return {
      storage_objects: await Promise.all((await this.storageObjects()).map((so) => so.dump())),
      targets: await Promise.all((await this.targets()).map((target) => target.dump())),
      fabric_modules: fabricDump ? [fabricDump] : [],
    };
  }

  /** Removes everything: targets first (they use the storage objects), then discovery auth, then objects. */
  async clear(): Promise<void> {
    await this.assertModelled();
    for (const target of await this.targets()) await target.delete();
    const fabric = await this.existingFabric();
    if (fabric) await fabric.clearDiscoveryAuth();
    for (const so of await this.storageObjects()) await this.deleteStorageObject(so);
  }
}
