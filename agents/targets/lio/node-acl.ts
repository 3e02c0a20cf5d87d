import path from 'node:path';
import type { ChapCredentials } from '../spec.js';
import { readAuth, writeAuth } from './auth.js';
import { readOptional, subdirs } from './configfs.js';
import { MappedLUN, type MappedLunTarget } from './mapped-lun.js';
import { CfsNode, type CreateMode } from './node.js';
import { chapFiles, type SavedNodeAcl } from './saved.js';
import type { TPG } from './tpg.js';

/** What an ACL's auth files hold; '' where unset. Secrets: never log these. */
export interface AclChap {
  userid: string;
  password: string;
  mutualUserid: string;
  mutualPassword: string;
}

/** One initiator allowed into a TPG (rtslib's NodeACL): `tpgt_N/acls/<initiator iqn>`. */
export class NodeACL extends CfsNode {
  readonly kind = 'NodeACL';

  private constructor(
    readonly tpg: TPG,
    readonly nodeWwn: string,
  ) {
    super(tpg.ctx, path.join(tpg.path, 'acls', nodeWwn));
  }

  static async open(
    tpg: TPG,
    nodeWwn: string,
    mode: CreateMode,
  ): Promise<{ acl: NodeACL; created: boolean }> {
    const acl = new NodeACL(tpg, nodeWwn);
    return { acl, created: await acl.realize(mode) };
  }

  async mappedLuns(): Promise<MappedLUN[]> {
    const out: MappedLUN[] = [];
    for (const name of await subdirs(this.ctx, this.path)) {
      const match = /^lun_(\d+)$/.exec(name);
      if (match) out.push((await MappedLUN.open(this, Number(match[1]), 'lookup')).mlun);
    }
    return out.sort((a, b) => a.index - b.index);
  }

  mappedLun(
    index: number,
    mode: CreateMode,
    target?: MappedLunTarget,
  ): Promise<{ mlun: MappedLUN; created: boolean }> {
    return MappedLUN.open(this, index, mode, target);
  }

  async chap(): Promise<AclChap> {
    const read = (name: string) => readAuth(this.ctx, path.join(this.path, 'auth', name));
    return {
      userid: await read('userid'),
      password: await read('password'),
      mutualUserid: await read('userid_mutual'),
      mutualPassword: await read('password_mutual'),
    };
  }

  /** Sets (or with null clears) the CHAP credentials; true when anything was written. */
  async setChap(chap: ChapCredentials | null): Promise<boolean> {
    const values: Record<string, string> = {
      userid: chap?.user ?? '',
      password: chap?.secret ?? '',
      userid_mutual: chap?.mutualUser ?? '',
      password_mutual: chap?.mutualSecret ?? '',
    };
    let changed = false;
    for (const [name, value] of Object.entries(values))
      changed = (await writeAuth(this.ctx, path.join(this.path, 'auth', name), value)) || changed;
    return changed;
  }

  /** rtslib's NodeACL tag (ACL groups); null when unset or unsupported. */
  async tag(): Promise<string | null> {
    const value = await readOptional(this.ctx, path.join(this.path, 'tag'));
    return value && value !== 'NULL' ? value : null;
  }

  /** Mapped LUNs first, then the ACL. */
  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    for (const mlun of await this.mappedLuns()) await mlun.delete();
    await super.delete();
  }

  /** As rtslib dumps it, CHAP secrets included: saveconfig.json is root-only (0600). */
  async dump(): Promise<SavedNodeAcl> {
    const out: SavedNodeAcl = {
      ...(await this.dumpSettings()),
      node_wwn: this.nodeWwn,
      mapped_luns: await Promise.all((await this.mappedLuns()).map((m) => m.dump())),
    };
    const tag = await this.tag();
    if (tag) out.tag = tag;
    for (const [key, file] of chapFiles) {
      const value = await readAuth(this.ctx, path.join(this.path, 'auth', file));
      if (value) out[key] = value;
    }
    return out;
  }
}
