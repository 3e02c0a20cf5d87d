import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Log } from '../../log.js';
import { ExportConflictError } from '../errors.js';
import type { TargetBackend, TargetInfo } from '../index.js';
import { assertIqn } from '../iqn.js';
import { FlockLock, targetcliLockPath, type TargetLock } from '../lock.js';
import { TgtGeneration } from '../tgt/stamp.js';
import {
  blockDeviceBytes,
  probeBacking,
  validateExportSpec,
  type BackingPolicy,
  type ExportSpec,
  type ProbeBacking,
} from '../spec.js';
import { defaultConfigfsRoot, nodeConfigFs, type ConfigFs } from './configfs.js';
import { restoreConfig, type RestoreOptions } from './restore.js';
import {
  fabricModules,
  keptObject,
  objectByRef,
  readModel,
  saveConfigOf,
  spliceObjects,
  spliceTarget,
  targetInfoOf,
  targetsUsing,
  type LioModel,
} from './model.js';
import { LioRoot } from './root.js';
import type { SaveConfig } from './saved.js';
import {
  defaultSaveConfigPath,
  nodeSaveFileOps,
  writeSaveConfig,
  type SaveFileOps,
} from './saveconfig.js';
import { sameStamp, saveFileStamp, topNames, usedHbaIndexes, type LioStamp } from './stamp.js';
import { StorageObject, type Plugin, type StorageConfig } from './storage-object.js';
import { denyByDefaultAttributes } from './tpg.js';

export interface LioBackendOptions {
  /** Where backing files and devices may live. */
  backing: BackingPolicy;
  /** The configfs target directory (default /sys/kernel/config/target). */
  configfsRoot?: string;
  fs?: ConfigFs;
  /** Default: flock on /var/run/targetcli.lock, shared with targetcli. */
  lock?: TargetLock;
  /** Default: rtslib's path on this distribution. */
  saveConfigPath?: string;
  saveFileOps?: SaveFileOps;
  probe?: ProbeBacking;
  /** Size of a backing block device, for listTargets. */
  blockBytes?: (devPath: string) => Promise<number | null>;
  /**
   * The generation file every dvsan agent process sets before it changes LIO (stamp.ts).
   * Default: dvsan-lio.generation beside the lock file.
   */
  generationFile?: string;
  log?: Log;
}

/** The TPG every export uses. */
const tpgTag = 1;
/**
 * The LUN (and mapped LUN) every export uses: 1, as with tgt (whose LUN 0 is its controller),
 * so a host logs in to LUN 1 whichever target the unit runs.
 */
const lunIndex = 1;

/** A stable T10 unit serial per export (rtslib makes a random UUID): same IQN, same disk id. */
export function unitSerialFor(iqn: string): string {
  const hex = createHash('sha256').update(`dvsan unit serial ${iqn}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const pluginOf = (kind: 'file' | 'block'): Plugin => (kind === 'file' ? 'fileio' : 'block');

const noLog: Log = () => undefined;

/**
 * The LIO target backend: each export is one storage object named after the target IQN, one
 * iSCSI target with TPG 1, LUN 1, one portal and one ACL (with CHAP and mapped LUN 1) per
 * initiator. Every call holds targetcli's lock, and every change ends with saveconfig.json
 * rewritten, so `targetctl restore` brings the same exports back at boot.
 *
 * The backend keeps a model of the running configuration (model.ts) from one full read of
 * configfs and updates it from its own changes, re-reading only the objects a change touched,
 * so one export costs the same whether LIO holds 5 exports or 500. The model is trusted only
 * while the checks in stamp.ts hold; otherwise configfs is read whole again first.
 */
export class LioBackend implements TargetBackend {
  readonly kind = 'lio' as const;
  private readonly root: string;
  private readonly fs: ConfigFs;
  private readonly lock: TargetLock;
  private readonly probe: ProbeBacking;
  private readonly log: Log;
  private readonly generation: TgtGeneration;
  private model: LioModel | null = null;

  constructor(private readonly options: LioBackendOptions) {
    this.root = options.configfsRoot ?? defaultConfigfsRoot;
    this.fs = options.fs ?? nodeConfigFs;
    this.lock = options.lock ?? new FlockLock();
    this.probe = options.probe ?? probeBacking;
    this.log = options.log ?? noLog;
    const lockPath = this.lock instanceof FlockLock ? this.lock.path : targetcliLockPath;
    this.generation = new TgtGeneration(
      options.generationFile ?? path.join(path.dirname(lockPath), 'dvsan-lio.generation'),
    );
  }

  private async saveFile(): Promise<string> {
    return this.options.saveConfigPath ?? (await defaultSaveConfigPath());
  }

  private async stamp(root: LioRoot): Promise<LioStamp> {
    return {
      generation: await this.generation.read(),
      saveFile: await saveFileStamp(await this.saveFile()),
      names: await topNames(root.ctx),
    };
  }

  /**
   * The model to work from (under the lock): the kept one while its stamp holds, else one full
   * read. For a change, LIO must hold nothing dvsan cannot save (checked once per full read);
   * for a question, null then, and the caller walks configfs instead.
   */
  private async current(root: LioRoot, forChange: true): Promise<LioModel>;
  private async current(root: LioRoot, forChange: false): Promise<LioModel | null>;
  private async current(root: LioRoot, forChange: boolean): Promise<LioModel | null> {
    const stamp = await this.stamp(root);
    if (this.model && sameStamp(this.model.stamp, stamp)) return this.model;
    this.model = null;
    if (forChange) await root.assertModelled();
    else if ((await root.unmodelled()).length) return null;
    try {
      this.model = await readModel(root, this.probe, stamp);
    } catch (err) {
      // e.g. a broken LUN link, which no saveconfig.json can hold: questions still get answers.
      if (forChange) throw err;
      return null;
    }
    return this.model;
  }

  /** A change under the lock; whatever fails half-way, the model may no longer match LIO. */
  private async change<T>(
    fn: (root: LioRoot, model: LioModel) => Promise<T>,
    readWhole = false,
  ): Promise<T> {
    return this.lock.withLock(async () => {
      try {
        if (readWhole) this.model = null;
        const root = await LioRoot.open(this.fs, this.root);
        return await fn(root, await this.current(root, true));
      } catch (err) {
        this.model = null;
        throw err;
      }
    });
  }

  /** Before the first step of a change: other agent processes must stop trusting their models. */
  private async bump(model: LioModel): Promise<void> {
    model.stamp.generation = await this.generation.bump();
  }

  async listTargets(): Promise<TargetInfo[]> {
    return this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
      const model = await this.current(root, false);
      if (!model) return this.walkTargets(root);
      const targets = [...model.targets.keys()].sort().map((iqn) => model.targets.get(iqn)!);
      return Promise.all(targets.map((t) => targetInfoOf(model, t, (dev) => this.blockBytes(dev))));
    });
  }

  async describeTarget(iqn: string): Promise<TargetInfo | null> {
    return this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
      const model = await this.current(root, false);
      if (!model) return (await this.walkTargets(root)).find((t) => t.iqn === iqn) ?? null;
      const target = model.targets.get(iqn);
      return target ? targetInfoOf(model, target, (dev) => this.blockBytes(dev)) : null;
    });
  }

  async exportedBackings(): Promise<Set<string>> {
    return this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
      const model = await this.current(root, false);
      const paths = new Set<string>();
      if (!model) {
        for (const t of await this.walkTargets(root))
          for (const l of t.luns) if (l.backing) paths.add(l.backing.path);
        return paths;
      }
      for (const target of model.targets.values())
        for (const tpg of target.tpgs)
          for (const lun of tpg.luns) {
            const k = objectByRef(model, lun.storage_object);
            if (k) paths.add(k.saved.dev);
          }
      return paths;
    });
  }

  /** Every target read from configfs, for when LIO holds what the model cannot. */
  private async walkTargets(root: LioRoot): Promise<TargetInfo[]> {
    const out: TargetInfo[] = [];
    for (const target of await root.targets()) {
      const info: TargetInfo = {
        iqn: target.wwn,
        enabled: false,
        luns: [],
        acls: [],
        portals: [],
      };
      for (const tpg of await target.tpgs()) {
        info.enabled ||= await tpg.enabled();
        for (const portal of await tpg.portals())
          info.portals.push({ address: portal.address, port: portal.port });
        for (const lun of await tpg.luns())
          info.luns.push({
            index: lun.index,
            backing: await this.backingOf(await lun.storageObject()),
          });
        for (const acl of await tpg.nodeAcls()) {
          const chap = await acl.chap();
          info.acls.push({
            initiatorIqn: acl.nodeWwn,
            chapUser: chap.userid || null,
            mutual: chap.mutualUserid !== '' && chap.mutualPassword !== '',
            mappedLuns: (await acl.mappedLuns()).map((m) => m.index),
          });
        }
      }
      out.push(info);
    }
    return out;
  }

  private async backingOf(
    so: StorageObject | null,
  ): Promise<TargetInfo['luns'][number]['backing']> {
    if (!so) return null;
    const dev = await so.udevPath();
    const sizeBytes = (await so.sizeBytes()) ?? (await this.blockBytes(dev)) ?? 0;
    return { kind: so.plugin === 'fileio' ? 'file' : 'block', path: dev, sizeBytes };
  }

  private async blockBytes(devPath: string): Promise<number | null> {
    if (this.options.blockBytes) return this.options.blockBytes(devPath);
    const found = await this.probe(devPath).catch(() => null);
    return found?.type === 'block' ? blockDeviceBytes(found.realPath).catch(() => null) : null;
  }

  async ensureExport(input: ExportSpec): Promise<void> {
    // Everything about the input is checked before the lock and before any change.
    const spec = await validateExportSpec(input, this.options.backing, this.probe);
    await this.change(async (root, model) => {
      await this.checkBackingConflicts(model, spec);
      const own = this.objectsOf(root, model, spec.iqn);
      const existed = { target: (await root.target(spec.iqn)) !== null, so: own.length > 0 };
      await this.bump(model);
      try {
        await this.build(root, model, spec, own);
      } catch (err) {
        await this.undoNew(root, spec.iqn, existed, own).catch((undoErr: unknown) =>
          this.log('warn', 'lio: undoing a failed export left pieces behind', {
            iqn: spec.iqn,
            error: undoErr instanceof Error ? undoErr.message : String(undoErr),
          }),
        );
        throw err;
      }
      await this.commit(root, model, spec.iqn, own);
      this.log('info', 'lio export ensured', {
        iqn: spec.iqn,
        backing: spec.backing.path,
        initiators: spec.acls.map((acl) => acl.initiatorIqn),
        created: !existed.target,
      });
    });
  }

  /** A half-made new export is taken down again; an existing one is left for a retry. */
  private async undoNew(
    root: LioRoot,
    iqn: string,
    existed: { target: boolean; so: boolean },
    own: StorageObject[],
  ): Promise<void> {
    if (!existed.target) await (await root.target(iqn))?.delete();
    // A new object can only be served by this export's own target.
    const within = [await root.target(iqn)].filter((t) => t !== null);
    if (!existed.so) for (const so of own) await root.deleteStorageObject(so, within);
  }

  /** The storage objects named after `iqn`, as the model knows them. */
  private objectsOf(root: LioRoot, model: LioModel, iqn: string): StorageObject[] {
    return model.objects
      .filter((k) => k.saved.name === iqn)
      .map((k) => StorageObject.at(root.ctx, k.saved.plugin, iqn, k.hbaIndex));
  }

  /** Refuses to re-point an export or to export one file or device twice. */
  private async checkBackingConflicts(model: LioModel, spec: ExportSpec): Promise<void> {
    const wanted = (await this.probe(spec.backing.path))?.realPath ?? spec.backing.path;
    for (const k of model.objects) {
      const { name, plugin, dev } = k.saved;
      const so = `storage object ${plugin}/${name}`;
      if (name === spec.iqn) {
        // Half-made by an earlier attempt that crashed: build() finishes it.
        if (!k.configured) continue;
        const size = k.sizeBytes;
        if (
          plugin !== pluginOf(spec.backing.kind) ||
          dev !== spec.backing.path ||
          (size !== null && size !== spec.backing.sizeBytes)
        )
          throw new ExportConflictError(
            `export ${spec.iqn} already serves ${plugin} ${dev}${size === null ? '' : ` (${size} bytes)`}; remove it before exporting something else`,
            { iqn: spec.iqn },
          );
      } else if (dev === spec.backing.path || k.real === wanted) {
        throw new ExportConflictError(`${spec.backing.path} is already exported as ${so}`, {
          iqn: spec.iqn,
        });
      }
    }
  }

  /** Makes the export what `spec` says; its storage object goes into `own` as soon as it exists. */
  private async build(
    root: LioRoot,
    model: LioModel,
    spec: ExportSpec,
    own: StorageObject[],
  ): Promise<void> {
    const plugin = pluginOf(spec.backing.kind);
    const wwn = unitSerialFor(spec.iqn);
    const config: StorageConfig =
      plugin === 'fileio'
        ? { plugin, dev: spec.backing.path, size: spec.backing.sizeBytes, wwn }
        : { plugin, dev: spec.backing.path, wwn };
    const kept = model.objects.find((k) => k.saved.name === spec.iqn && k.saved.plugin === plugin);
    const { so } = await StorageObject.openKnown(root.ctx, plugin, spec.iqn, 'any', config, {
      found: kept ? StorageObject.at(root.ctx, plugin, spec.iqn, kept.hbaIndex) : null,
      used: usedHbaIndexes(model.stamp.names),
    });
    own.push(so);
    const fabric = await root.fabric('any');
    const { target } = await fabric.target(spec.iqn, 'any');
    const { tpg } = await target.tpg(tpgTag, 'any');
    // CHAP is a TPG-wide switch; the spec has either CHAP on every ACL or on none.
    await tpg.setAttribute('authentication', spec.acls.some((acl) => acl.chap === null) ? 0 : 1);
    for (const [name, value] of Object.entries(denyByDefaultAttributes))
      await tpg.setAttribute(name, value);
    const { lun } = await tpg.lun(lunIndex, 'any', so);

    for (const portal of await tpg.portals())
      if (portal.address !== spec.portal.address || portal.port !== spec.portal.port)
        await portal.delete();
    await tpg.portal(spec.portal.address, spec.portal.port, 'any');

    const wanted = new Set(spec.acls.map((acl) => acl.initiatorIqn));
    for (const acl of await tpg.nodeAcls()) if (!wanted.has(acl.nodeWwn)) await acl.delete();
    for (const entry of spec.acls) {
      const { acl } = await tpg.nodeAcl(entry.initiatorIqn, 'any');
      await acl.setChap(entry.chap);
      await acl.mappedLun(lunIndex, 'any', { tpgLun: lun, writeProtect: false });
    }
    // Last, so no initiator reaches the target before its ACLs and CHAP are in place.
    await tpg.setEnabled(true);
  }

  async removeExport(iqn: string): Promise<void> {
    assertIqn(iqn, 'target IQN');
    await this.change(async (root, model) => {
      const objects = this.objectsOf(root, model, iqn);
      for (const k of model.objects.filter((o) => o.saved.name === iqn)) {
        const other = targetsUsing(model, k).find((wwn) => wwn !== iqn);
        if (other)
          throw new ExportConflictError(
            `storage object ${k.saved.plugin}/${iqn} is also used by target ${other}; not removing it`,
            { iqn },
          );
      }
      const target = await root.target(iqn);
      // Nothing to remove: saveconfig.json keeps its identity, so other agent processes keep
      // trusting their model.
      if (!target && objects.length === 0) return;
      await this.bump(model);
      await target?.delete();
      // No other target serves these (checked above), and this one is gone.
      for (const so of objects) await root.deleteStorageObject(so, []);
      await this.commit(root, model, iqn, objects);
      this.log('info', 'lio export removed', { iqn });
    });
  }

  /**
   * Splices what now exists of the export `iqn` (its target and `objects`) into the model and
   * writes saveconfig.json from it: the file a full dump would give, for O(one export) reads.
   */
  private async commit(
    root: LioRoot,
    model: LioModel,
    iqn: string,
    objects: StorageObject[],
  ): Promise<void> {
    const seen = new Set<string>();
    const fresh = [];
    for (const so of objects) {
      if (seen.has(so.path) || !(await so.exists())) continue;
      seen.add(so.path);
      fresh.push(await keptObject(so, this.probe));
    }
    spliceObjects(model, iqn, fresh);
    const target = await root.target(iqn);
    spliceTarget(model, iqn, target ? await target.dump() : null);
    model.fabricModules = await fabricModules(root);
    model.stamp.names = await topNames(root.ctx);
    await this.write(model);
  }

  private async write(model: LioModel): Promise<void> {
    const file = await this.saveFile();
    await writeSaveConfig(file, saveConfigOf(model), this.options.saveFileOps ?? nodeSaveFileOps);
    model.stamp.saveFile = await saveFileStamp(file);
    this.model = model;
  }

  /** The running configuration in saveconfig.json's shape (it holds CHAP secrets: never log it). */
  async dump(): Promise<SaveConfig> {
    return this.lock.withLock(async () => (await LioRoot.open(this.fs, this.root)).dump());
  }

  /** Writes saveconfig.json from the running configuration, read whole. */
  async save(): Promise<void> {
    await this.change(async (_root, model) => this.write(model), true);
  }

  /**
   * Recreates a saved configuration (targetctl restore); does not rewrite the file. Returns
   * notes on attributes this kernel lacks, which were skipped.
   */
  async restore(config: unknown, options: RestoreOptions = {}): Promise<string[]> {
    return this.lock.withLock(async () => {
      this.model = null;
      await this.generation.bump();
      return restoreConfig(await LioRoot.open(this.fs, this.root), config, options);
    });
  }

  /** Removes every storage object and target (targetctl clear); does not rewrite the file. */
  async clear(): Promise<void> {
    await this.lock.withLock(async () => {
      this.model = null;
      await this.generation.bump();
      await (await LioRoot.open(this.fs, this.root)).clear();
    });
  }
}
