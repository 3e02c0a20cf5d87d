// The LIO backend's kept model of the running configuration: saveconfig.json's content (what
// LioRoot.dump() gives) from one full read, plus what the backend asks of each storage object,
// so that one export's change re-reads only its own objects and splices them in. Whether the
// model may be trusted is stamp.ts's business.
import type { TargetInfo } from '../index.js';
import type { ProbeBacking } from '../spec.js';
import type { LioRoot } from './root.js';
import type { SaveConfig, SavedFabricModule, SavedStorageObject, SavedTarget } from './saved.js';
import type { LioStamp } from './stamp.js';
import type { StorageObject } from './storage-object.js';

export interface KeptObject {
  saved: SavedStorageObject;
  hbaPrefix: string;
  hbaIndex: number;
  /** `enable` reads 1: a half-made object (a crash mid-create) is finished, not refused. */
  configured: boolean;
  /** fileio: the size in `info`; block: null (the device decides). */
  sizeBytes: number | null;
  /** The backing path with symlinks resolved, to tell one file exported under two names. */
  real: string;
}

export interface LioModel {
  objects: KeptObject[];
  targets: Map<string, SavedTarget>;
  fabricModules: SavedFabricModule[];
  stamp: LioStamp;
}

export async function keptObject(so: StorageObject, probe: ProbeBacking): Promise<KeptObject> {
  const saved = await so.dump();
  return {
    saved,
    hbaPrefix: so.hba.prefix,
    hbaIndex: so.hba.index,
    configured: await so.configured(),
    sizeBytes: await so.sizeBytes(),
    real: (await probe(saved.dev).catch(() => null))?.realPath ?? saved.dev,
  };
}

export async function fabricModules(root: LioRoot): Promise<SavedFabricModule[]> {
  const fabric = await root.existingFabric();
  const saved = fabric ? await fabric.dump() : null;
  return saved ? [saved] : [];
}

/** Everything, read whole. The caller has checked that LIO holds nothing dvsan cannot save. */
export async function readModel(
  root: LioRoot,
  probe: ProbeBacking,
  stamp: LioStamp,
): Promise<LioModel> {
  const objects = await Promise.all(
    (await root.storageObjects()).map((so) => keptObject(so, probe)),
  );
  const targets = await Promise.all((await root.targets()).map((target) => target.dump()));
  return {
    objects,
    targets: new Map(targets.map((t) => [t.wwn, t])),
    fabricModules: await fabricModules(root),
    stamp,
  };
}

// The orders a full dump lists things in: storage objects by HBA index (then prefix, then
// name, as listHbas and readdir give them), targets by name as readdir sorts them.
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byHba = (a: KeptObject, b: KeptObject) =>
  a.hbaIndex - b.hbaIndex ||
  a.hbaPrefix.localeCompare(b.hbaPrefix) ||
  byName(a.saved.name, b.saved.name);

/** Replaces every object named `name` with `fresh` (what exists of them now). */
export function spliceObjects(model: LioModel, name: string, fresh: KeptObject[]): void {
  model.objects = [...model.objects.filter((k) => k.saved.name !== name), ...fresh].sort(byHba);
}

export function spliceTarget(model: LioModel, iqn: string, saved: SavedTarget | null): void {
  if (saved) model.targets.set(iqn, saved);
  else model.targets.delete(iqn);
}

export function saveConfigOf(model: LioModel): SaveConfig {
  return {
    storage_objects: model.objects.map((k) => k.saved),
    targets: [...model.targets.keys()].sort(byName).map((iqn) => model.targets.get(iqn)!),
    fabric_modules: model.fabricModules,
  };
}

/** The reference a LUN entry uses for `k`. */
export const refOf = (k: KeptObject) => `/backstores/${k.saved.plugin}/${k.saved.name}`;

/** Targets with a LUN serving `k`. */
export function targetsUsing(model: LioModel, k: KeptObject): string[] {
  const ref = refOf(k);
  return [...model.targets.values()]
    .filter((t) => t.tpgs.some((tpg) => tpg.luns.some((lun) => lun.storage_object === ref)))
    .map((t) => t.wwn);
}

export function objectByRef(model: LioModel, ref: string): KeptObject | null {
  return model.objects.find((k) => refOf(k) === ref) ?? null;
}

/** A target as listTargets reports it; `blockBytes` sizes block devices. */
export async function targetInfoOf(
  model: LioModel,
  target: SavedTarget,
  blockBytes: (dev: string) => Promise<number | null>,
): Promise<TargetInfo> {
  const info: TargetInfo = { iqn: target.wwn, enabled: false, luns: [], acls: [], portals: [] };
  for (const tpg of target.tpgs) {
    info.enabled ||= tpg.enable;
    for (const portal of tpg.portals)
      info.portals.push({
        address: portal.ip_address.replace(/^\[(.*)\]$/, '$1'),
        port: portal.port,
      });
    for (const lun of tpg.luns) {
      const k = objectByRef(model, lun.storage_object);
      const backing = k && {
        kind: k.saved.plugin === 'fileio' ? ('file' as const) : ('block' as const),
        path: k.saved.dev,
        sizeBytes: k.sizeBytes ?? (await blockBytes(k.saved.dev)) ?? 0,
      };
      info.luns.push({ index: lun.index, backing });
    }
    for (const acl of tpg.node_acls)
      info.acls.push({
        initiatorIqn: acl.node_wwn,
        chapUser: acl.chap_userid || null,
        mutual: !!acl.chap_mutual_userid && !!acl.chap_mutual_password,
        mappedLuns: acl.mapped_luns.map((m) => m.index),
      });
  }
  return info;
}
