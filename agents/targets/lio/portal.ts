import { isIPv6 } from 'node:net';
import path from 'node:path';
import { ConfigfsError } from '../errors.js';
import { cfs, readOptional } from './configfs.js';
import { CfsNode, type CreateMode } from './node.js';
import type { SavedPortal } from './saved.js';
import type { TPG } from './tpg.js';

/** `np/` entry name: `<ip>:<port>`, IPv6 in brackets (as the kernel parses it). */
export function portalDirName(address: string, port: number): string {
  return `${isIPv6(address) ? `[${address}]` : address}:${port}`;
}

/** The address (without brackets) and port of an `np/` entry name. */
export function parsePortalDirName(name: string): { address: string; port: number } | null {
  const colon = name.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(name.slice(colon + 1));
  const host = name.slice(0, colon);
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return Number.isInteger(port) && port > 0 && port < 65536 ? { address, port } : null;
}

/** A listening address of a TPG (rtslib's NetworkPortal): `tpgt_N/np/<ip>:<port>`. */
export class NetworkPortal extends CfsNode {
  readonly kind = 'NetworkPortal';

  private constructor(
    readonly tpg: TPG,
    readonly address: string,
    readonly port: number,
  ) {
    super(tpg.ctx, path.join(tpg.path, 'np', portalDirName(address, port)));
  }

  static async open(
    tpg: TPG,
    address: string,
    port: number,
    mode: CreateMode,
  ): Promise<NetworkPortal> {
    const portal = new NetworkPortal(tpg, address, port);
    await portal.realize(mode);
    return portal;
  }

  /** iSER and offload are switches some kernels have; absent means off. */
  async iser(): Promise<boolean> {
    return (await readOptional(this.ctx, path.join(this.path, 'iser'))) === '1';
  }

  async offload(): Promise<boolean> {
    return (await readOptional(this.ctx, path.join(this.path, 'cxgbit'))) === '1';
  }

  async setIser(on: boolean): Promise<void> {
    await this.setSwitch('iser', on);
  }

  async setOffload(on: boolean): Promise<void> {
    await this.setSwitch('cxgbit', on);
  }

  private async setSwitch(name: string, on: boolean): Promise<void> {
    const file = path.join(this.path, name);
    const current = await readOptional(this.ctx, file);
    if (current === null) {
      if (on) throw new ConfigfsError(`${this} has no ${name} switch on this kernel`);
      return;
    }
    if (current !== (on ? '1' : '0'))
      await cfs(this.ctx, 'write', file, () => this.ctx.fs.write(file, on ? '1' : '0'));
  }

  /** Turns iSER and offload off first, as rtslib does, so their listeners go too. */
  override async delete(): Promise<void> {
    if (!(await this.exists())) return;
    await this.setIser(false);
    await this.setOffload(false);
    await super.delete();
  }

  async dump(): Promise<SavedPortal> {
    const dirName = portalDirName(this.address, this.port);
    return {
      ip_address: dirName.slice(0, dirName.lastIndexOf(':')),
      port: this.port,
      iser: await this.iser(),
      offload: await this.offload(),
    };
  }
}
