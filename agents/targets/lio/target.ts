import path from 'node:path';
import { TargetNotFoundError } from '../errors.js';
import { assertIqn } from '../iqn.js';
import { readAuth, writeAuth } from './auth.js';
import { readOptional, subdirs, writeIfChanged, type LioContext } from './configfs.js';
import { CfsNode, type CreateMode } from './node.js';
import type { SavedFabricModule, SavedTarget } from './saved.js';
import { TPG, tpgTagOf } from './tpg.js';

/** Entries of a fabric directory that are not targets (rtslib's target_names_excludes). */
export const fabricEntriesNotTargets = new Set([
  'lio_version',
  'version',
  'discovery_auth',
  'cpus_allowed_list',
]);

const discoveryFiles = [
  ['discovery_userid', 'userid'],
  ['discovery_password', 'password'],
  ['discovery_mutual_userid', 'userid_mutual'],
  ['discovery_mutual_password', 'password_mutual'],
] as const;

/**
 * The iSCSI fabric module (rtslib's FabricModule('iscsi')): `target/iscsi`. On a real kernel
 * the mkdir loads iscsi_target_mod.
 */
export class FabricModule extends CfsNode {
  readonly kind = 'FabricModule';
  readonly name = 'iscsi';

  private constructor(ctx: LioContext) {
    super(ctx, path.join(ctx.root, 'iscsi'));
  }

  static async open(ctx: LioContext, mode: CreateMode): Promise<FabricModule> {
    const fabric = new FabricModule(ctx);
    await fabric.realize(mode);
    return fabric;
  }

  async targets(): Promise<Target[]> {
    if (!(await this.exists())) return [];
    const names = (await subdirs(this.ctx, this.path)).filter(
      (name) => !fabricEntriesNotTargets.has(name),
    );
    return Promise.all(names.map(async (name) => (await Target.open(this, name, 'lookup')).target));
  }

  target(iqn: string, mode: CreateMode): Promise<{ target: Target; created: boolean }> {
    return Target.open(this, iqn, mode);
  }

  async discoveryAuthEnforced(): Promise<boolean> {
    return (
      (await readOptional(
        this.ctx,
        path.join(this.path, 'discovery_auth', 'enforce_discovery_auth'),
      )) === '1'
    );
  }

  /** rtslib dumps a fabric module only when discovery auth is on. */
  async dump(): Promise<SavedFabricModule | null> {
    if (!(await this.exists()) || !(await this.discoveryAuthEnforced())) return null;
    const out: SavedFabricModule = { name: this.name, discovery_enable_auth: true };
    for (const [key, file] of discoveryFiles) {
      const value = await readAuth(this.ctx, path.join(this.path, 'discovery_auth', file));
      if (value) out[key] = value;
    }
    return out;
  }

  /** Applies saved discovery auth settings (restore). */
  async setup(saved: SavedFabricModule): Promise<void> {
    for (const [key, file] of discoveryFiles)
      await writeAuth(this.ctx, path.join(this.path, 'discovery_auth', file), saved[key] ?? '');
    const enforce = path.join(this.path, 'discovery_auth', 'enforce_discovery_auth');
    if ((await readOptional(this.ctx, enforce)) !== null)
      await writeIfChanged(this.ctx, enforce, saved.discovery_enable_auth ? '1' : '0');
  }

  /** Turns discovery auth off and forgets its credentials (rtslib's clear_discovery_auth_settings). */
  async clearDiscoveryAuth(): Promise<void> {
    if (
      !(await this.exists()) ||
      (await this.ctx.fs.stat(path.join(this.path, 'discovery_auth'))) === null
    )
      return;
    await this.setup({ name: this.name, discovery_enable_auth: false });
  }
}

/** An iSCSI target (rtslib's Target): `iscsi/<iqn>`. */
export class Target extends CfsNode {
  readonly kind = 'Target';

  private constructor(
    readonly fabric: FabricModule,
    readonly wwn: string,
  ) {
    super(fabric.ctx, path.join(fabric.path, wwn));
  }

  /** Creating requires a valid lowercase IQN; looking up takes whatever name the kernel has. */
  static async open(
    fabric: FabricModule,
    wwn: string,
    mode: CreateMode,
  ): Promise<{ target: Target; created: boolean }> {
    if (mode !== 'lookup') assertIqn(wwn, 'target IQN');
    else if (!wwn || wwn.includes('/'))
      throw new TargetNotFoundError(`no target named "${wwn.slice(0, 64)}"`);
    const target = new Target(fabric, wwn);
    return { target, created: await target.realize(mode) };
  }

  async tpgs(): Promise<TPG[]> {
    const tags = (await subdirs(this.ctx, this.path))
      .map(tpgTagOf)
      .filter((tag): tag is number => tag !== null);
    const tpgs = await Promise.all(
      tags.map(async (tag) => (await TPG.open(this, tag, 'lookup')).tpg),
    );
    return tpgs.sort((a, b) => a.tag - b.tag);
  }

  tpg(tag: number, mode: CreateMode): Promise<{ tpg: TPG; created: boolean }> {
    return TPG.open(this, tag, mode);
  }

  /** Every TPG (and so everything below it) first, then the target. */
  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    for (const tpg of await this.tpgs()) await tpg.delete();
    await super.delete();
  }

  async dump(): Promise<SavedTarget> {
    return {
      wwn: this.wwn,
      fabric: this.fabric.name,
      tpgs: await Promise.all((await this.tpgs()).map((tpg) => tpg.dump())),
    };
  }
}
