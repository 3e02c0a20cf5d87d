import path from 'node:path';
import { InvalidExportError } from '../errors.js';
import { readAuth } from './auth.js';
import { readOptional, subdirs, writeIfChanged } from './configfs.js';
import { LUN } from './lun.js';
import { NodeACL } from './node-acl.js';
import { CfsNode, type CreateMode } from './node.js';
import { NetworkPortal, parsePortalDirName } from './portal.js';
import { chapFiles, type SavedTpg } from './saved.js';
import type { StorageObject } from './storage-object.js';
import type { Target } from './target.js';

/**
 * The TPG attributes every dvsan export carries. Deny by default: no demo mode (ACLs are not
 * generated for any initiator that asks, nor cached), CHAP enforced, demo sessions read-only.
 */
export const denyByDefaultAttributes = {
  generate_node_acls: 0,
  cache_dynamic_acls: 0,
  demo_mode_write_protect: 1,
} as const;

/** A target portal group (rtslib's TPG): `iscsi/<iqn>/tpgt_<tag>`. */
export class TPG extends CfsNode {
  readonly kind = 'TPG';

  private constructor(
    readonly target: Target,
    readonly tag: number,
  ) {
    super(target.ctx, path.join(target.path, `tpgt_${tag}`));
  }

  static async open(
    target: Target,
    tag: number,
    mode: CreateMode,
  ): Promise<{ tpg: TPG; created: boolean }> {
    if (!Number.isInteger(tag) || tag < 1 || tag > 65535)
      throw new InvalidExportError('a TPG tag must be 1 to 65535');
    const tpg = new TPG(target, tag);
    return { tpg, created: await tpg.realize(mode) };
  }

  /** Without an `enable` file a TPG is always on (rtslib's rule). */
  async enabled(): Promise<boolean> {
    const value = await readOptional(this.ctx, path.join(this.path, 'enable'));
    return value === null || value === '1';
  }

  /** Writes `enable` only on a change: the kernel refuses to enable an enabled TPG. */
  async setEnabled(on: boolean): Promise<boolean> {
    const file = path.join(this.path, 'enable');
    if ((await readOptional(this.ctx, file)) === null) return false;
    return writeIfChanged(this.ctx, file, on ? '1' : '0');
  }

  async luns(): Promise<LUN[]> {
    const out: LUN[] = [];
    for (const name of await subdirs(this.ctx, path.join(this.path, 'lun'))) {
      const match = /^lun_(\d+)$/.exec(name);
      if (match) out.push((await LUN.open(this, Number(match[1]), 'lookup')).lun);
    }
    return out.sort((a, b) => a.index - b.index);
  }

  lun(
    index: number,
    mode: CreateMode,
    so?: StorageObject,
    alias?: string,
  ): Promise<{ lun: LUN; created: boolean }> {
    return LUN.open(this, index, mode, so, alias);
  }

  async portals(): Promise<NetworkPortal[]> {
    const out: NetworkPortal[] = [];
    for (const name of await subdirs(this.ctx, path.join(this.path, 'np'))) {
      const parsed = parsePortalDirName(name);
      if (parsed) out.push(await NetworkPortal.open(this, parsed.address, parsed.port, 'lookup'));
    }
    return out;
  }

  portal(address: string, port: number, mode: CreateMode): Promise<NetworkPortal> {
    return NetworkPortal.open(this, address, port, mode);
  }

  async nodeAcls(): Promise<NodeACL[]> {
    const out: NodeACL[] = [];
    for (const name of await subdirs(this.ctx, path.join(this.path, 'acls')))
      out.push((await NodeACL.open(this, name, 'lookup')).acl);
    return out;
  }

  nodeAcl(nodeWwn: string, mode: CreateMode): Promise<{ acl: NodeACL; created: boolean }> {
    return NodeACL.open(this, nodeWwn, mode);
  }

  /** Disables the TPG, removes ACLs, LUNs and portals, then the TPG (rtslib's order). */
  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    await this.setEnabled(false);
    for (const acl of await this.nodeAcls()) await acl.delete();
    for (const lun of await this.luns()) await lun.delete();
    for (const portal of await this.portals()) await portal.delete();
    await super.delete();
  }

  async dump(): Promise<SavedTpg> {
    const out: SavedTpg = {
      ...(await this.dumpSettings()),
      tag: this.tag,
      enable: await this.enabled(),
      luns: await Promise.all((await this.luns()).map((lun) => lun.dump())),
      portals: await Promise.all((await this.portals()).map((portal) => portal.dump())),
      node_acls: await Promise.all((await this.nodeAcls()).map((acl) => acl.dump())),
    };
    for (const [key, file] of chapFiles) {
      const value = await readAuth(this.ctx, path.join(this.path, 'auth', file));
      if (value) out[key] = value;
    }
    return out;
  }
}

/** Refuses a tag directory that is not `tpgt_<n>`; used when listing. */
export function tpgTagOf(name: string): number | null {
  const match = /^tpgt_(\d+)$/.exec(name);
  return match ? Number(match[1]) : null;
}
