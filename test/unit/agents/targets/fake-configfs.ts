import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  nodeConfigFs,
  type ConfigFs,
  type EntryStat,
} from '../../../../agents/targets/lio/configfs.js';

// A configfs-shaped temporary directory that behaves like the kernel where it matters to the
// LIO objects: mkdir of a known object adds its default entries (attributes, default groups),
// attributes cannot be created, read-only/write-only files refuse the other direction, rmdir
// removes the defaults but refuses while hand-made children or links remain (ENOTEMPTY) or
// while a link points at the object (EBUSY), and a few attributes keep kernel semantics
// (device control/enable/info, unit serial, TPG enable, CHAP files stored verbatim).

export type FakeOp = { op: 'mkdir' | 'rmdir' | 'write' | 'symlink' | 'unlink'; path: string };
type Kind =
  | 'fabric'
  | 'hba'
  | 'device'
  | 'target'
  | 'tpg'
  | 'np'
  | 'lun'
  | 'acl'
  | 'mlun'
  | 'other-fabric'
  | 'other-target';
type Entry = [name: string, mode: number, content?: string];

const RW = 0o644;
const RO = 0o444;
const WO = 0o200;
const DIR = -1;
const authFiles = (): Entry[] => [
  ['auth', DIR],
  ['auth/userid', RW, '\n'],
  ['auth/password', RW, '\n'],
  ['auth/userid_mutual', RW, '\n'],
  ['auth/password_mutual', RW, '\n'],
  ['auth/authenticate_target', RO, '0\n'],
];

/** What the kernel puts into each new object directory (a representative subset). */
function defaults(kind: Kind, rel: string): Entry[] {
  switch (kind) {
    case 'fabric':
      return [
        ['discovery_auth', DIR],
        ['discovery_auth/enforce_discovery_auth', RW, '0\n'],
        ['discovery_auth/userid', RW, '\n'],
        ['discovery_auth/password', RW, '\n'],
        ['discovery_auth/userid_mutual', RW, '\n'],
        ['discovery_auth/password_mutual', RW, '\n'],
        ['lio_version', RO, 'Datera Inc. iSCSI Target v4.1.0\n'],
      ];
    case 'hba':
      return [
        ['hba_info', RO, `HBA Index: ${rel.split('_').pop()} plugin: fake version: v5.0\n`],
        ['hba_mode', RW, '0\n'],
      ];
    case 'device':
      return [
        ['attrib', DIR],
        ['attrib/block_size', RW, '512\n'],
        ['attrib/emulate_write_cache', RW, '0\n'],
        ['attrib/queue_depth', RW, '128\n'],
        ['attrib/hw_block_size', RO, '512\n'],
        ['wwn', DIR],
        ['wwn/vpd_unit_serial', RW, 'T10 VPD Unit Serial Number: \n'],
        ['control', WO, ''],
        ['enable', RW, '0\n'],
        ['info', RO, ''],
        ['udev_path', RW, '\n'],
        ['alias', RW, '\n'],
        ['alua', DIR],
        ['alua/default_tg_pt_gp', DIR],
        ['alua/default_tg_pt_gp/alua_access_state', RW, '0\n'],
        ['pr', DIR],
        ['statistics', DIR],
      ];
    case 'target':
      return [['fabric_statistics', DIR]];
    case 'tpg':
      return [
        ['enable', RW, '0\n'],
        ['attrib', DIR],
        ['attrib/authentication', RW, '1\n'],
        ['attrib/cache_dynamic_acls', RW, '0\n'],
        ['attrib/default_cmdsn_depth', RW, '64\n'],
        ['attrib/demo_mode_write_protect', RW, '1\n'],
        ['attrib/generate_node_acls', RW, '0\n'],
        ['attrib/prod_mode_write_protect', RW, '0\n'],
        ['param', DIR],
        ['param/AuthMethod', RW, 'CHAP,None\n'],
        ['param/HeaderDigest', RW, 'CRC32C,None\n'],
        ['param/MaxConnections', RW, '1\n'],
        ...authFiles(),
        ['np', DIR],
        ['lun', DIR],
        ['acls', DIR],
      ];
    case 'np':
      return [['iser', RW, '0\n']];
    case 'lun':
      return [
        ['alua_tg_pt_gp', RW, 'TG Port Alias: default_tg_pt_gp\nTG Port Group ID: 0\n'],
        ['statistics', DIR],
      ];
    case 'acl':
      return [
        ['attrib', DIR],
        ['attrib/dataout_timeout', RW, '3\n'],
        ['attrib/nopin_timeout', RW, '15\n'],
        ...authFiles(),
        ['param', DIR],
        ['info', RO, `No active iSCSI Session for Initiator Endpoint: ${path.basename(rel)}\n`],
        ['cmdsn_depth', RW, '64\n'],
        ['tag', RW, '\n'],
      ];
    case 'mlun':
      return [
        ['write_protect', RW, '0\n'],
        ['statistics', DIR],
      ];
    default:
      return [];
  }
}

function classify(parts: string[]): Kind | null {
  const [top, a, b, c, d, e] = parts;
  const n = parts.length;
  if (top === 'core') {
    if (n === 2 && /^[a-z_]+_\d+$/.test(a!)) return 'hba';
    if (n === 3) return 'device';
    return null;
  }
  if (top === 'iscsi') {
    if (n === 1) return 'fabric';
    if (n === 2) return 'target';
    if (n === 3 && /^tpgt_\d+$/.test(b!)) return 'tpg';
    if (n === 5 && c === 'np') return 'np';
    if (n === 5 && c === 'lun' && /^lun_\d+$/.test(d!)) return 'lun';
    if (n === 5 && c === 'acls') return 'acl';
    if (n === 6 && c === 'acls' && /^lun_\d+$/.test(e!)) return 'mlun';
    return null;
  }
  if (top && ['loopback', 'vhost', 'tcm_fc'].includes(top))
    return n === 1 ? 'other-fabric' : n === 2 ? 'other-target' : null;
  return null;
}

function fail(code: string, what: string): never {
  throw Object.assign(new Error(`${code}: ${what}`), { code });
}

interface Device {
  fdName?: string;
  fdSize?: number;
  udevPath?: string;
  readonly?: number;
  buffered?: number;
  async?: number;
  enabled: boolean;
}

export class FakeKernel implements ConfigFs {
  readonly ops: FakeOp[] = [];
  /** Optional fault injection: return an errno code to make that operation fail. */
  failOn: ((op: FakeOp['op'], rel: string) => string | null) | null = null;
  private readonly made = new Set<string>();
  private readonly devices = new Map<string, Device>();

  private constructor(
    readonly base: string,
    readonly root: string,
  ) {}

  /** A fresh tree as the kernel shows it after `modprobe target_core_mod`. */
  static async boot(): Promise<FakeKernel> {
    const base = await mkdtemp(path.join(os.tmpdir(), 'dvsan-lio-'));
    const root = path.join(base, 'target');
    await mkdir(path.join(root, 'core'), { recursive: true });
    await writeFile(
      path.join(root, 'version'),
      'Target Engine Core ConfigFS Infrastructure v5.0\n',
      { mode: RO },
    );
    await writeFile(path.join(root, 'dbroot'), '/var/target\n', { mode: RW });
    return new FakeKernel(base, root);
  }

  async dispose(): Promise<void> {
    await rm(this.base, { recursive: true, force: true });
  }

  private rel(file: string): string {
    const rel = path.relative(this.root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) fail('EXDEV', `${file} is outside the tree`);
    return rel;
  }

  private record(op: FakeOp['op'], file: string): string {
    const rel = this.rel(file);
    const injected = this.failOn?.(op, rel);
    if (injected) fail(injected, `${op} ${rel} (injected)`);
    this.ops.push({ op, path: rel });
    return rel;
  }

  stat(file: string): Promise<EntryStat | null> {
    return nodeConfigFs.stat(file);
  }
  readdir(dir: string): Promise<string[]> {
    return nodeConfigFs.readdir(dir);
  }
  realpath(file: string): Promise<string> {
    return nodeConfigFs.realpath(file);
  }

  async read(file: string): Promise<string> {
    const st = await stat(file);
    if (st.isDirectory()) fail('EISDIR', file);
    if ((st.mode & 0o400) === 0) fail('EACCES', `${file} is write-only`);
    return readFile(file, 'utf8');
  }

  async write(file: string, data: string): Promise<void> {
    const st = await stat(file).catch(() =>
      fail('ENOENT', `${file}: configfs files cannot be created`),
    );
    if (st.isDirectory()) fail('EISDIR', file);
    if ((st.mode & 0o200) === 0) fail('EACCES', `${file} is read-only`);
    const rel = this.record('write', file);
    const parent = path.dirname(file);
    const name = path.basename(file);
    const device = this.devices.get(name === 'vpd_unit_serial' ? path.dirname(parent) : parent);
    if (device && name === 'control') return this.control(parent, device, data);
    if (device && name === 'enable') {
      if (device.enabled) fail('EEXIST', `${rel}: device already enabled`);
      if (!device.fdName && !device.udevPath) fail('EINVAL', `${rel}: device not configured`);
      device.enabled = true;
      await this.store(file, '1\n');
      return this.renderInfo(parent, device);
    }
    if (device && name === 'vpd_unit_serial')
      return this.store(file, `T10 VPD Unit Serial Number: ${data.trim()}\n`);
    const parts = rel.split('/');
    if (classify(parts.slice(0, -1)) === 'tpg' && name === 'enable' && data.trim() === '1') {
      if ((await readFile(file, 'utf8')).trim() === '1')
        fail('EINVAL', `${rel}: TPG already enabled`);
    }
    if (classify(parts.slice(0, -1)) === 'lun' && name === 'alua_tg_pt_gp')
      return this.store(file, `TG Port Alias: ${data.trim()}\nTG Port Group ID: 0\n`);
    // The kernel keeps CHAP values as written (no trimming) and shows them with a newline.
    if (['auth', 'discovery_auth'].includes(path.basename(parent)))
      return this.store(file, `${data}\n`);
    return this.store(file, `${data.trim()}\n`);
  }

  private async store(file: string, content: string): Promise<void> {
    const st = await stat(file);
    await writeFile(file, content, { mode: st.mode });
  }

  private async control(dir: string, device: Device, data: string): Promise<void> {
    for (const token of data.split(/[,\n]/).filter(Boolean)) {
      const [key, value] = token.split('=');
      if (value === undefined) fail('EINVAL', `control token ${key}`);
      if (key === 'fd_dev_name') device.fdName = value;
      else if (key === 'fd_dev_size') device.fdSize = Number(value);
      else if (key === 'udev_path') device.udevPath = value;
      else if (key === 'readonly') device.readonly = Number(value);
      else if (key === 'fd_buffered_io') device.buffered = Number(value);
      else if (key === 'fd_async_io') device.async = Number(value);
      else fail('EINVAL', `unknown control key ${key}`);
    }
    await this.renderInfo(dir, device);
  }

  private async renderInfo(dir: string, d: Device): Promise<void> {
    const head = `Status: ${d.enabled ? 'ACTIVATED' : 'DEACTIVATED'}  Max Queue Depth: 128  SectorSize: 512  HwMaxSectors: 16384\n`;
    const body = path.basename(path.dirname(dir)).startsWith('fileio')
      ? `        TCM FILEIO ID: 0        File: ${d.fdName ?? ''}  Size: ${d.fdSize ?? 0}  Mode: ${d.buffered ? 'Buffered-WCE' : 'O_DSYNC'} Async: ${d.async ?? 0}\n`
      : `        iBlock device: ${path.basename(d.udevPath ?? '')}  UDEV PATH: ${d.udevPath ?? ''}  readonly: ${d.readonly ?? 0}\n        Major: 7 Minor: 0  CLAIMED: IBLOCK\n`;
    await this.store(path.join(dir, 'info'), head + body);
  }

  async mkdir(dir: string): Promise<void> {
    const kind = classify(this.rel(dir).split('/'));
    if (!kind) fail('EPERM', `configfs has no object type at ${this.rel(dir)}`);
    const rel = this.record('mkdir', dir);
    await mkdir(dir);
    this.made.add(dir);
    for (const [name, mode, content] of defaults(kind, rel)) {
      const file = path.join(dir, name);
      if (mode === DIR) await mkdir(file);
      else await writeFile(file, content ?? '', { mode });
    }
    if (kind === 'device') {
      const device: Device = { enabled: false };
      this.devices.set(dir, device);
      await this.renderInfo(dir, device);
    }
  }

  async rmdir(dir: string): Promise<void> {
    if (!this.made.has(dir)) fail('EPERM', `${this.rel(dir)} is not a removable object`);
    for (const item of this.made)
      if (item.startsWith(`${dir}/`))
        fail('ENOTEMPTY', `${this.rel(dir)} still holds ${this.rel(item)}`);
    for (const item of this.made) {
      const target = await readlink(item).catch(() => null);
      if (target && (target === dir || target.startsWith(`${dir}/`)))
        fail('EBUSY', `${this.rel(dir)} is linked from ${this.rel(item)}`);
    }
    this.record('rmdir', dir);
    await rm(dir, { recursive: true });
    this.made.delete(dir);
    this.devices.delete(dir);
  }

  async symlink(target: string, link: string): Promise<void> {
    const parentKind = classify(this.rel(path.dirname(link)).split('/'));
    const targetKind = classify(this.rel(target).split('/'));
    if (
      !(parentKind === 'lun' && targetKind === 'device') &&
      !(parentKind === 'mlun' && targetKind === 'lun')
    )
      fail('EPERM', `cannot link ${this.rel(target)} from ${this.rel(link)}`);
    if (!(await stat(target).catch(() => null))?.isDirectory()) fail('ENOENT', this.rel(target));
    const siblings = await readdir(path.dirname(link));
    for (const name of siblings)
      if (this.made.has(path.join(path.dirname(link), name)))
        fail('EEXIST', `${this.rel(link)}: already linked`);
    this.record('symlink', link);
    await symlink(target, link);
    this.made.add(link);
  }

  async unlink(link: string): Promise<void> {
    if (!this.made.has(link)) fail('EPERM', `${this.rel(link)} is not a link made by hand`);
    this.record('unlink', link);
    await unlink(link);
    this.made.delete(link);
  }

  /** Every entry under the root with its kind and content (or link target), sorted. */
  async snapshot(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of (await readdir(dir)).sort()) {
        const file = path.join(dir, name);
        const rel = path.relative(this.root, file);
        const st = await nodeConfigFs.stat(file);
        if (st?.kind === 'link')
          out.push(`${rel} -> ${path.relative(this.root, await readlink(file))}`);
        else if (st?.kind === 'dir') {
          out.push(`${rel}/`);
          await walk(file);
        } else out.push(`${rel} = ${JSON.stringify(await readFile(file, 'utf8'))}`);
      }
    };
    await walk(this.root);
    return out;
  }
}
