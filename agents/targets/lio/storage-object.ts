import path from 'node:path';
import {
  ConfigfsError,
  ExportConflictError,
  InvalidExportError,
  TargetNotFoundError,
} from '../errors.js';
import {
  cfs,
  readOptional,
  readValue,
  subdirs,
  writeIfChanged,
  type LioContext,
} from './configfs.js';
import { CfsNode, type CreateMode } from './node.js';
import type { SavedStorageObject } from './saved.js';

/** The backstores dvsan uses: a file (fileio) or a block device (block, `iblock_N` in configfs). */
export type Plugin = 'fileio' | 'block';

const dirPrefix: Record<Plugin, string> = { fileio: 'fileio', block: 'iblock' };
const pluginOfPrefix: Record<string, Plugin> = { fileio: 'fileio', iblock: 'block' };
const hbaPattern = /^(.+)_(\d+)$/;

export interface FileIOConfig {
  plugin: 'fileio';
  dev: string;
  size: number;
  wwn: string;
  writeBack?: boolean;
  aio?: boolean;
}
export interface BlockConfig {
  plugin: 'block';
  dev: string;
  wwn: string;
  readonly?: boolean;
}
export type StorageConfig = FileIOConfig | BlockConfig;

/** `core/<prefix>_<index>`: the HBA directory rtslib makes for each storage object. */
export interface Hba {
  prefix: string;
  index: number;
  path: string;
}

/** Every HBA directory under core/, in index order. */
export async function listHbas(ctx: LioContext): Promise<Hba[]> {
  const core = path.join(ctx.root, 'core');
  const out: Hba[] = [];
  for (const name of await subdirs(ctx, core)) {
    const match = hbaPattern.exec(name);
    if (match)
      out.push({ prefix: match[1]!, index: Number(match[2]), path: path.join(core, name) });
  }
  return out.sort((a, b) => a.index - b.index || a.prefix.localeCompare(b.prefix));
}

/** The value after `key: ` in a kernel `info` text (the last one, as rtslib's regex finds it). */
export function parseInfo(info: string, key: string): string | null {
  const flat = ` ${info.split(/\s+/).join(' ')}`;
  const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const matches = [...flat.matchAll(new RegExp(` ${escaped}: ([^: ]+)`, 'g'))];
  return matches.length ? matches[matches.length - 1]![1]! : null;
}

function assertObjectName(name: string): void {
  if (!name || /[/\s]/.test(name))
    throw new InvalidExportError(
      `storage object name "${name.slice(0, 64)}" may not hold / or whitespace`,
    );
}

/**
 * A fileio or block storage object (rtslib's FileIOStorageObject / BlockStorageObject):
 * `core/fileio_N/<name>` or `core/iblock_N/<name>`, configured through `control`, `udev_path`,
 * `enable` and `wwn/vpd_unit_serial`.
 */
export class StorageObject extends CfsNode {
  readonly kind = 'StorageObject';

  private constructor(
    ctx: LioContext,
    readonly plugin: Plugin,
    readonly name: string,
    readonly hba: Hba,
  ) {
    super(ctx, path.join(hba.path, name));
  }

  override toString(): string {
    return `storage object ${this.plugin}/${this.name}`;
  }

  /** The reference a LUN entry in saveconfig.json uses. */
  get savedRef(): string {
    return `/backstores/${this.plugin}/${this.name}`;
  }

  /** Every fileio and block object, in HBA index order (the order restore recreates them in). */
  static async all(ctx: LioContext): Promise<StorageObject[]> {
    const out: StorageObject[] = [];
    for (const hba of await listHbas(ctx)) {
      const plugin = pluginOfPrefix[hba.prefix];
      if (!plugin) continue;
      for (const name of await subdirs(ctx, hba.path))
        out.push(new StorageObject(ctx, plugin, name, hba));
    }
    return out;
  }

  /** Objects of backstores dvsan does not model (pscsi, ramdisk, user), as relative paths. */
  static async unsupported(ctx: LioContext): Promise<string[]> {
    const out: string[] = [];
    for (const hba of await listHbas(ctx)) {
      if (pluginOfPrefix[hba.prefix]) continue;
      for (const name of await subdirs(ctx, hba.path))
        out.push(path.relative(ctx.root, path.join(hba.path, name)));
    }
    return out;
  }

  /** The object at `core/<prefix>_<hbaIndex>/<name>`, as the backend's kept model knows it. */
  static at(ctx: LioContext, plugin: Plugin, name: string, hbaIndex: number): StorageObject {
    const prefix = dirPrefix[plugin];
    const hba = {
      prefix,
      index: hbaIndex,
      path: path.join(ctx.root, 'core', `${prefix}_${hbaIndex}`),
    };
    return new StorageObject(ctx, plugin, name, hba);
  }

  static async find(ctx: LioContext, plugin: Plugin, name: string): Promise<StorageObject | null> {
    const all = await StorageObject.all(ctx);
    return all.find((so) => so.plugin === plugin && so.name === name) ?? null;
  }

  /** The object a LUN symlink resolves to (`realRoot` is the resolved configfs root). */
  static fromRealPath(ctx: LioContext, realRoot: string, real: string): StorageObject | null {
    const parts = path.relative(realRoot, real).split(path.sep);
    if (parts.length !== 3 || parts[0] !== 'core') return null;
    const match = hbaPattern.exec(parts[1]!);
    const plugin = match ? pluginOfPrefix[match[1]!] : undefined;
    if (!match || !plugin) return null;
    const hba = {
      prefix: match[1]!,
      index: Number(match[2]),
      path: path.join(ctx.root, 'core', parts[1]!),
    };
    return new StorageObject(ctx, plugin, parts[2]!, hba);
  }

  /**
   * Binds to `plugin/name` per `mode`; creating needs `config` and configures the object as
   * rtslib does (control, udev_path, enable, then the unit serial, which the kernel only takes
   * once the device is configured). A failed configure removes what it made.
   */
  static async open(
    ctx: LioContext,
    plugin: Plugin,
    name: string,
    mode: CreateMode,
    config?: StorageConfig,
  ): Promise<{ so: StorageObject; created: boolean }> {
    assertObjectName(name);
    const found = await StorageObject.find(ctx, plugin, name);
    const used = found ? [] : (await listHbas(ctx)).map((hba) => hba.index);
    return StorageObject.openKnown(ctx, plugin, name, mode, config, { found, used });
  }

  /**
   * open() for a caller that already knows whether the object exists and which HBA indexes are
   * taken (the LIO backend's kept model), so no listing of every HBA is needed.
   */
  static async openKnown(
    ctx: LioContext,
    plugin: Plugin,
    name: string,
    mode: CreateMode,
    config: StorageConfig | undefined,
    known: { found: StorageObject | null; used: Iterable<number> },
  ): Promise<{ so: StorageObject; created: boolean }> {
    assertObjectName(name);
    const { found } = known;
    if (found && mode === 'create') throw new ExportConflictError(`${found} already exists`);
    if (found) {
      // Left half-made (a crash between mkdir and enable): finish it rather than fail forever.
      if (config && config.plugin === plugin && !(await found.configured()))
        await found.configure(config);
      return { so: found, created: false };
    }
    if (mode === 'lookup')
      throw new TargetNotFoundError(`storage object ${plugin}/${name} does not exist`);
    if (!config || config.plugin !== plugin)
      throw new ConfigfsError(
        `storage object ${plugin}/${name} needs a ${plugin} configuration to be created`,
      );
    const used = new Set(known.used);
    let index = 0;
    while (used.has(index)) index++;
    const prefix = dirPrefix[plugin];
    const hba = { prefix, index, path: path.join(ctx.root, 'core', `${prefix}_${index}`) };
    const so = new StorageObject(ctx, plugin, name, hba);
    await cfs(ctx, 'mkdir', hba.path, () => ctx.fs.mkdir(hba.path));
    try {
      await cfs(ctx, 'mkdir', so.path, () => ctx.fs.mkdir(so.path));
      await so.configure(config);
    } catch (err) {
      await so.delete().catch(() => undefined);
      throw err;
    }
    return { so, created: true };
  }

  private async configure(config: StorageConfig): Promise<void> {
    if (config.plugin === 'fileio') {
      await this.control(`fd_dev_name=${config.dev},fd_dev_size=${config.size}`);
      if (config.writeBack) {
        await this.setAttribute('emulate_write_cache', 1);
        await this.control('fd_buffered_io=1');
      }
      if (config.aio) await this.control('fd_async_io=1');
      await writeIfChanged(this.ctx, this.file('udev_path'), config.dev);
    } else {
      await writeIfChanged(this.ctx, this.file('udev_path'), config.dev);
      await this.control(`udev_path=${config.dev}`);
      await this.control(`readonly=${config.readonly ? 1 : 0}`);
    }
    await writeIfChanged(this.ctx, this.file('enable'), '1');
    await this.setWwn(config.wwn);
  }

  private file(name: string): string {
    return path.join(this.path, name);
  }

  private async control(command: string): Promise<void> {
    const file = this.file('control');
    await cfs(this.ctx, 'write', file, () => this.ctx.fs.write(file, command));
  }

  /** Whether `enable` reads 1 (an object without the file counts as configured, as in rtslib). */
  async configured(): Promise<boolean> {
    const value = await readOptional(this.ctx, this.file('enable'));
    return value === null || value === '1';
  }

  async info(): Promise<string> {
    return readValue(this.ctx, this.file('info'));
  }

  /** The backing file or device path. */
  async udevPath(): Promise<string> {
    const value = await readOptional(this.ctx, this.file('udev_path'));
    if (value) return value;
    return this.plugin === 'fileio' ? (parseInfo(await this.info(), 'File') ?? '') : '';
  }

  /** The T10 unit serial (`wwn/vpd_unit_serial` reads "T10 VPD Unit Serial Number: <wwn>"). */
  async wwn(): Promise<string> {
    const text = await readValue(this.ctx, this.file('wwn/vpd_unit_serial'));
    const colon = text.indexOf(':');
    return (colon < 0 ? text : text.slice(colon + 1)).trim();
  }

  async setWwn(wwn: string): Promise<void> {
    if ((await this.wwn()) === wwn) return;
    const file = this.file('wwn/vpd_unit_serial');
    await cfs(this.ctx, 'write', file, () => this.ctx.fs.write(file, `${wwn}\n`));
  }

  /** fileio: the size given at creation, from `info`. block: null (the device decides). */
  async sizeBytes(): Promise<number | null> {
    if (this.plugin !== 'fileio') return null;
    const size = parseInfo(await this.info(), 'Size');
    return size !== null && /^\d+$/.test(size) ? Number(size) : null;
  }

  async writeBack(): Promise<boolean> {
    const attrs = await this.listAttributes();
    return (
      attrs.includes('emulate_write_cache') &&
      (await this.getAttribute('emulate_write_cache')) === '1'
    );
  }

  /** The object as rtslib's dump() writes it (without ALUA groups: dvsan keeps the default). */
  async dump(): Promise<SavedStorageObject> {
    const info = await this.info();
    const base = {
      ...(await this.dumpSettings()),
      name: this.name,
      plugin: this.plugin,
      alua_tpgs: [],
      dev: await this.udevPath(),
      wwn: await this.wwn(),
      write_back: await this.writeBack(),
    };
    if (this.plugin === 'block') return { ...base, readonly: parseInfo(info, 'readonly') === '1' };
    return { ...base, size: (await this.sizeBytes()) ?? 0, aio: parseInfo(info, 'Async') === '1' };
  }

  /** Removes the object and its HBA. LUNs using it must be gone first (LioRoot sees to that). */
  override async delete(): Promise<void> {
    await super.delete();
    if (
      (await this.ctx.fs.stat(this.hba.path))?.kind === 'dir' &&
      (await subdirs(this.ctx, this.hba.path)).length === 0
    )
      await cfs(this.ctx, 'rmdir', this.hba.path, () => this.ctx.fs.rmdir(this.hba.path));
  }
}
