import { createHash } from 'node:crypto';
import type { Log } from '../../log.js';
import { ExportConflictError } from '../errors.js';
import type { TargetBackend, TargetInfo } from '../index.js';
import { assertIqn } from '../iqn.js';
import { FlockLock, type TargetLock } from '../lock.js';
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
import { LioRoot } from './root.js';
import type { SaveConfig } from './saved.js';
import {
  defaultSaveConfigPath,
  nodeSaveFileOps,
  writeSaveConfig,
  type SaveFileOps,
} from './saveconfig.js';
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
 */
export class LioBackend implements TargetBackend {
  readonly kind = 'lio' as const;
  private readonly root: string;
  private readonly fs: ConfigFs;
  private readonly lock: TargetLock;
  private readonly probe: ProbeBacking;
  private readonly log: Log;

  constructor(private readonly options: LioBackendOptions) {
    this.root = options.configfsRoot ?? defaultConfigfsRoot;
    this.fs = options.fs ?? nodeConfigFs;
    this.lock = options.lock ?? new FlockLock();
    this.probe = options.probe ?? probeBacking;
    this.log = options.log ?? noLog;
  }

  async listTargets(): Promise<TargetInfo[]> {
    return this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
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
    });
  }

  // configfs is read directory by directory, so these ask it afresh each time.
  async describeTarget(iqn: string): Promise<TargetInfo | null> {
    return (await this.listTargets()).find((t) => t.iqn === iqn) ?? null;
  }

  async exportedBackings(): Promise<Set<string>> {
    const paths = new Set<string>();
    for (const t of await this.listTargets())
      for (const l of t.luns) if (l.backing) paths.add(l.backing.path);
    return paths;
  }

  private async backingOf(
    so: StorageObject | null,
  ): Promise<TargetInfo['luns'][number]['backing']> {
    if (!so) return null;
    const path = await so.udevPath();
    const sizeBytes = (await so.sizeBytes()) ?? (await this.blockBytes(path)) ?? 0;
    return { kind: so.plugin === 'fileio' ? 'file' : 'block', path, sizeBytes };
  }

  private async blockBytes(devPath: string): Promise<number | null> {
    if (this.options.blockBytes) return this.options.blockBytes(devPath);
    const found = await this.probe(devPath).catch(() => null);
    return found?.type === 'block' ? blockDeviceBytes(found.realPath).catch(() => null) : null;
  }

  async ensureExport(input: ExportSpec): Promise<void> {
    // Everything about the input is checked before the lock and before any change.
    const spec = await validateExportSpec(input, this.options.backing, this.probe);
    await this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
      await root.assertModelled();
      await this.checkBackingConflicts(root, spec);
      const existed = {
        target: (await root.target(spec.iqn)) !== null,
        so: (await this.objectsOf(root, spec.iqn)).length > 0,
      };
      try {
        await this.build(root, spec);
      } catch (err) {
        await this.undoNew(root, spec.iqn, existed).catch((undoErr: unknown) =>
          this.log('warn', 'lio: undoing a failed export left pieces behind', {
            iqn: spec.iqn,
            error: undoErr instanceof Error ? undoErr.message : String(undoErr),
          }),
        );
        throw err;
      }
      await this.saveLocked(root);
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
  ): Promise<void> {
    if (!existed.target) await (await root.target(iqn))?.delete();
    if (!existed.so)
      for (const so of await this.objectsOf(root, iqn)) await root.deleteStorageObject(so);
  }

  private async objectsOf(root: LioRoot, iqn: string): Promise<StorageObject[]> {
    return (await root.storageObjects()).filter((so) => so.name === iqn);
  }

  /** Refuses to re-point an export or to export one file or device twice. */
  private async checkBackingConflicts(root: LioRoot, spec: ExportSpec): Promise<void> {
    const wanted = (await this.probe(spec.backing.path))?.realPath ?? spec.backing.path;
    for (const so of await root.storageObjects()) {
      const dev = await so.udevPath();
      const real = (await this.probe(dev).catch(() => null))?.realPath ?? dev;
      if (so.name === spec.iqn) {
        // Half-made by an earlier attempt that crashed: build() finishes it.
        if (!(await so.configured())) continue;
        const size = await so.sizeBytes();
        if (
          so.plugin !== pluginOf(spec.backing.kind) ||
          dev !== spec.backing.path ||
          (size !== null && size !== spec.backing.sizeBytes)
        )
          throw new ExportConflictError(
            `export ${spec.iqn} already serves ${so.plugin} ${dev}${size === null ? '' : ` (${size} bytes)`}; remove it before exporting something else`,
            { iqn: spec.iqn },
          );
      } else if (dev === spec.backing.path || real === wanted) {
        throw new ExportConflictError(`${spec.backing.path} is already exported as ${so}`, {
          iqn: spec.iqn,
        });
      }
    }
  }

  private async build(root: LioRoot, spec: ExportSpec): Promise<void> {
    const plugin = pluginOf(spec.backing.kind);
    const wwn = unitSerialFor(spec.iqn);
    const config: StorageConfig =
      plugin === 'fileio'
        ? { plugin, dev: spec.backing.path, size: spec.backing.sizeBytes, wwn }
        : { plugin, dev: spec.backing.path, wwn };
    const { so } = await StorageObject.open(root.ctx, plugin, spec.iqn, 'any', config);
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
    await this.lock.withLock(async () => {
      const root = await LioRoot.open(this.fs, this.root);
      await root.assertModelled();
      const objects = await this.objectsOf(root, iqn);
      for (const so of objects)
        for (const lun of await root.lunsUsing(so))
          if (lun.tpg.target.wwn !== iqn)
            throw new ExportConflictError(
              `${so} is also used by target ${lun.tpg.target.wwn}; not removing it`,
              { iqn },
            );
      const target = await root.target(iqn);
      await target?.delete();
      for (const so of objects) await root.deleteStorageObject(so);
      await this.saveLocked(root);
      this.log('info', 'lio export removed', {
        iqn,
        existed: target !== null || objects.length > 0,
      });
    });
  }

  /** The running configuration in saveconfig.json's shape (it holds CHAP secrets: never log it). */
  async dump(): Promise<SaveConfig> {
    return this.lock.withLock(async () => (await LioRoot.open(this.fs, this.root)).dump());
  }

  /** Writes saveconfig.json from the running configuration. */
  async save(): Promise<void> {
    await this.lock.withLock(async () => this.saveLocked(await LioRoot.open(this.fs, this.root)));
  }

  /**
   * Recreates a saved configuration (targetctl restore); does not rewrite the file. Returns
   * notes on attributes this kernel lacks, which were skipped.
   */
  async restore(config: unknown, options: RestoreOptions = {}): Promise<string[]> {
    return this.lock.withLock(async () =>
      restoreConfig(await LioRoot.open(this.fs, this.root), config, options),
    );
  }

  /** Removes every storage object and target (targetctl clear); does not rewrite the file. */
  async clear(): Promise<void> {
    await this.lock.withLock(async () => (await LioRoot.open(this.fs, this.root)).clear());
  }

  private async saveLocked(root: LioRoot): Promise<void> {
    const file = this.options.saveConfigPath ?? (await defaultSaveConfigPath());
    await writeSaveConfig(file, await root.dump(), this.options.saveFileOps ?? nodeSaveFileOps);
  }
}
