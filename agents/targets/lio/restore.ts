import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ExportConflictError, InvalidExportError } from '../errors.js';
import { writeAuth } from './auth.js';
import type { LUN } from './lun.js';
import type { NodeACL } from './node-acl.js';
import type { CfsNode } from './node.js';
import type { LioRoot } from './root.js';
import {
  chapFiles,
  saveConfigSchema,
  type SaveConfig,
  type SavedNodeAcl,
  type SavedStorageObject,
  type SavedTpg,
} from './saved.js';
import { StorageObject, type StorageConfig } from './storage-object.js';
import type { FabricModule } from './target.js';
import type { TPG } from './tpg.js';

export interface RestoreOptions {
  /** Remove the running configuration first (targetctl restore does); otherwise refuse if any exists. */
  clearExisting?: boolean;
}

/** Checks a saved config before anything is touched; error messages name paths, not values. */
export function parseSaveConfig(input: unknown): SaveConfig {
  const parsed = saveConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new InvalidExportError(
      `not an rtslib saveconfig: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const config = parsed.data;
  const refs = new Set<string>();
  for (const so of config.storage_objects) {
    const ref = `/backstores/${so.plugin}/${so.name}`;
    if (refs.has(ref)) throw new InvalidExportError(`storage object ${ref} is listed twice`);
    if (so.plugin === 'fileio' && so.size === undefined)
      throw new InvalidExportError(`fileio storage object ${so.name} has no size`);
    refs.add(ref);
  }
  for (const target of config.targets) {
    if (target.fabric !== 'iscsi')
      throw new InvalidExportError(
        `target ${target.wwn}: fabric ${target.fabric} is not supported (iscsi only)`,
      );
    for (const tpg of target.tpgs)
      for (const lun of tpg.luns)
        if (!refs.has(lun.storage_object))
          throw new InvalidExportError(
            `target ${target.wwn} LUN ${lun.index} uses unknown ${lun.storage_object}`,
          );
  }
  for (const fm of config.fabric_modules)
    if (fm.name !== 'iscsi')
      throw new InvalidExportError(`fabric module ${fm.name} is not supported (iscsi only)`);
  return config;
}

/** Notes about settings this kernel lacks; restore skips them, as rtslib does. */
type Warnings = string[];

async function setAttributes(
  node: CfsNode,
  attributes: Record<string, number | string> | undefined,
  warnings: Warnings,
): Promise<void> {
  const known = new Set(await node.listAttributes());
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (known.has(name)) await node.setAttribute(name, value);
    else warnings.push(`${node}: no attribute ${name} on this kernel, skipped`);
  }
}

async function setParameters(
  node: CfsNode,
  parameters: Record<string, string> | undefined,
  warnings: Warnings,
): Promise<void> {
  const known = new Set(await node.listParameters());
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (known.has(name)) await node.setParameter(name, value);
    else warnings.push(`${node}: no parameter ${name} on this kernel, skipped`);
  }
}

function storageConfig(saved: SavedStorageObject): StorageConfig {
  const wwn = saved.wwn ?? randomUUID();
  if (saved.plugin === 'block')
    return { plugin: 'block', dev: saved.dev, wwn, readonly: saved.readonly ?? false };
  return {
    plugin: 'fileio',
    dev: saved.dev,
    size: saved.size ?? 0,
    wwn,
    writeBack: saved.write_back ?? false,
    aio: saved.aio ?? false,
  };
}

async function setChapFiles(node: TPG | NodeACL, saved: SavedTpg | SavedNodeAcl): Promise<void> {
  for (const [key, file] of chapFiles)
    await writeAuth(node.ctx, path.join(node.path, 'auth', file), saved[key] ?? '');
}

async function restoreTpg(
  tpg: TPG,
  saved: SavedTpg,
  objects: Map<string, StorageObject>,
  warnings: Warnings,
): Promise<void> {
  await setAttributes(tpg, saved.attributes, warnings);
  await setParameters(tpg, saved.parameters, warnings);
  const luns = new Map<number, LUN>();
  for (const lun of saved.luns) {
    const { lun: made } = await tpg.lun(
      lun.index,
      'create',
      objects.get(lun.storage_object)!,
      lun.alias,
    );
    if (lun.alua_tg_pt_gp_name) await made.setAluaGroup(lun.alua_tg_pt_gp_name);
    luns.set(lun.index, made);
  }
  for (const portal of saved.portals) {
    const address = portal.ip_address.replace(/^\[(.*)\]$/, '$1');
    const np = await tpg.portal(address, portal.port, 'any');
    await np.setIser(portal.iser ?? false);
    await np.setOffload(portal.offload ?? false);
  }
  for (const saveAcl of saved.node_acls) {
    const { acl } = await tpg.nodeAcl(saveAcl.node_wwn, 'any');
    await setAttributes(acl, saveAcl.attributes, warnings);
    for (const mlun of saveAcl.mapped_luns) {
      const tpgLun = luns.get(mlun.tpg_lun);
      if (!tpgLun)
        throw new InvalidExportError(
          `ACL ${saveAcl.node_wwn} maps TPG LUN ${mlun.tpg_lun}, which the TPG does not have`,
        );
      await acl.mappedLun(mlun.index, 'create', {
        tpgLun,
        writeProtect: mlun.write_protect ?? false,
        alias: mlun.alias,
      });
    }
    await setChapFiles(acl, saveAcl);
  }
  await setChapFiles(tpg, saved);
  await tpg.setEnabled(saved.enable);
}

/**
 * Recreates a saved configuration (rtslib's RTSRoot.restore / each object's setup()): storage
 * objects with their attributes, discovery auth, then each target with its TPGs, LUNs,
 * portals and ACLs; a TPG is enabled last. Stops at the first error, except for attributes
 * and parameters this kernel lacks: those are skipped and returned as warnings.
 */
export async function restoreConfig(
  root: LioRoot,
  input: unknown,
  options: RestoreOptions = {},
): Promise<string[]> {
  const warnings: Warnings = [];
  const config = parseSaveConfig(input);
  await root.assertModelled();
  if (options.clearExisting) await root.clear();
  else if ((await root.storageObjects()).length || (await root.targets()).length)
    throw new ExportConflictError(
      'LIO already has storage objects or targets; not restoring over them',
    );

  const objects = new Map<string, StorageObject>();
  for (const saved of config.storage_objects) {
    const { so } = await StorageObject.open(
      root.ctx,
      saved.plugin,
      saved.name,
      'create',
      storageConfig(saved),
    );
    await setAttributes(so, saved.attributes, warnings);
    objects.set(so.savedRef, so);
  }
  let fabric: FabricModule | null = null;
  if (config.targets.length || config.fabric_modules.length) fabric = await root.fabric('any');
  for (const fm of config.fabric_modules) await fabric!.setup(fm);
  for (const saved of config.targets) {
    const { target } = await fabric!.target(saved.wwn, 'create');
    for (const savedTpg of saved.tpgs) {
      const { tpg } = await target.tpg(savedTpg.tag, 'create');
      await restoreTpg(tpg, savedTpg, objects, warnings);
    }
  }
  return warnings;
}
