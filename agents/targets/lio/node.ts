import path from 'node:path';
import { ConfigfsError, ExportConflictError, TargetNotFoundError } from '../errors.js';
import { cfs, readValue, writeIfChanged, type LioContext } from './configfs.js';

/**
 * How an object is bound to configfs, as in rtslib: 'any' looks it up or creates it, 'lookup'
 * requires it to exist, 'create' requires it not to.
 */
export type CreateMode = 'any' | 'lookup' | 'create';

/** attributes and parameters as saveconfig.json holds them. */
export interface NodeSettings {
  attributes?: Record<string, number | string>;
  parameters?: Record<string, string>;
}

/**
 * One configfs object (rtslib's CFSNode): its path, whether it exists, its `attrib/` and
 * `param/` files, and rmdir. Subclasses delete their children before themselves, because
 * configfs refuses to remove a directory that still holds anything made by hand.
 */
export abstract class CfsNode {
  /** The object kind in rtslib's words, for messages ("TPG", "NodeACL", ...). */
  abstract readonly kind: string;

  constructor(
    readonly ctx: LioContext,
    readonly path: string,
  ) {}

  /** The object in a message: its kind and where it is. */
  toString(): string {
    return `${this.kind} ${path.relative(this.ctx.root, this.path)}`;
  }

  async exists(): Promise<boolean> {
    return (await this.ctx.fs.stat(this.path))?.kind === 'dir';
  }

  /** Applies `mode`; true when this call made the directory. */
  protected async realize(mode: CreateMode): Promise<boolean> {
    const exists = await this.exists();
    if (exists && mode === 'create') throw new ExportConflictError(`${this} already exists`);
    if (!exists && mode === 'lookup') throw new TargetNotFoundError(`${this} does not exist`);
    if (exists) return false;
    await cfs(this.ctx, 'mkdir', this.path, () => this.ctx.fs.mkdir(this.path));
    return true;
  }

  protected async requireSelf(): Promise<void> {
    if (!(await this.exists())) throw new TargetNotFoundError(`${this} does not exist`);
  }

  async listAttributes(filter: FileFilter = {}): Promise<string[]> {
    return this.listFiles(path.join(this.path, 'attrib'), filter);
  }

  async getAttribute(name: string): Promise<string> {
    return readValue(this.ctx, await this.settingFile('attrib', name));
  }

  /** Sets an attribute when it differs; true when it was written. */
  async setAttribute(name: string, value: string | number): Promise<boolean> {
    return writeIfChanged(this.ctx, await this.settingFile('attrib', name), String(value));
  }

  async listParameters(filter: FileFilter = {}): Promise<string[]> {
    return this.listFiles(path.join(this.path, 'param'), filter);
  }

  async getParameter(name: string): Promise<string> {
    return readValue(this.ctx, await this.settingFile('param', name));
  }

  async setParameter(name: string, value: string): Promise<boolean> {
    return writeIfChanged(this.ctx, await this.settingFile('param', name), `${value}\n`);
  }

  /** Writable and readable attributes (numbers where they parse) and parameters, as rtslib dumps them. */
  async dumpSettings(): Promise<NodeSettings> {
    const out: NodeSettings = {};
    const attributes: Record<string, number | string> = {};
    for (const name of await this.listAttributes({ writable: true, readable: true })) {
      const value = await this.getAttribute(name);
      attributes[name] = /^-?\d+$/.test(value) ? Number(value) : value;
    }
    if (Object.keys(attributes).length) out.attributes = attributes;
    const parameters: Record<string, string> = {};
    for (const name of await this.listParameters({ writable: true, readable: true }))
      parameters[name] = await this.getParameter(name);
    if (Object.keys(parameters).length) out.parameters = parameters;
    return out;
  }

  /** Removes the directory when it exists; subclasses remove their children first. */
  async delete(): Promise<void> {
    if (await this.exists())
      await cfs(this.ctx, 'rmdir', this.path, () => this.ctx.fs.rmdir(this.path));
  }

  private async settingFile(group: 'attrib' | 'param', name: string): Promise<string> {
    if (!/^[A-Za-z0-9_]+$/.test(name))
      throw new ConfigfsError(`${this}: "${name.slice(0, 64)}" is no ${group} name`);
    const file = path.join(this.path, group, name);
    if ((await this.ctx.fs.stat(file))?.kind !== 'file')
      throw new ConfigfsError(
        `${this} has no ${group === 'attrib' ? 'attribute' : 'parameter'} ${name}`,
      );
    return file;
  }

  private async listFiles(dir: string, filter: FileFilter): Promise<string[]> {
    if ((await this.ctx.fs.stat(dir))?.kind !== 'dir') return [];
    const names = await cfs(this.ctx, 'list', dir, () => this.ctx.fs.readdir(dir));
    const out: string[] = [];
    for (const name of names) {
      const st = await this.ctx.fs.stat(path.join(dir, name));
      if (st?.kind !== 'file') continue;
      if (filter.writable !== undefined && filter.writable !== ((st.mode & 0o200) !== 0)) continue;
      if (filter.readable !== undefined && filter.readable !== ((st.mode & 0o400) !== 0)) continue;
      out.push(name);
    }
    return out;
  }
}

export interface FileFilter {
  writable?: boolean;
  readable?: boolean;
}
