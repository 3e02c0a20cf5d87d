// dvsan's exports in /etc/tgt/conf.d, one file per export: dvsan-<target IQN>.conf. A change
// writes or removes one small file, and one export's record is read from one file, whatever the
// number of exports. Each file is owner-only (it holds CHAP secrets) and replaced atomically:
// temp file, fsync, rename, fsync of the directory. The single dvsan.conf that earlier agents
// rewrote whole is split into these files the first time a change runs.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir, writeFileAtomic } from '../../common/atomic-file.js';
import { assertIqn } from '../iqn.js';
import { TgtConfigError, parseConfig, readConfig, renderConfig } from './config.js';
import type { TgtExportRecord } from './config.js';

export const defaultConfigDir = '/etc/tgt/conf.d';
/** The one file earlier agents kept every export in. */
export const legacyConfigName = 'dvsan.conf';

const prefix = 'dvsan-';
const suffix = '.conf';

/** The file of one export; IQNs use only a-z 0-9 . - :, so the name is safe as it is. */
export function exportFileName(iqn: string): string {
  assertIqn(iqn, 'target IQN');
  return `${prefix}${iqn}${suffix}`;
}

const isExportFile = (name: string): boolean =>
  name.startsWith(prefix) && name.endsWith(suffix) && name.length > prefix.length + suffix.length;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

export class TgtConfigDir {
  private migrated = false;

  constructor(readonly dir = defaultConfigDir) {}

  pathOf(iqn: string): string {
    return path.join(this.dir, exportFileName(iqn));
  }

  /** One export's record from its own file; null when there is none. */
  async read(iqn: string): Promise<TgtExportRecord | null> {
    const file = this.pathOf(iqn);
    const text = await readText(file);
    if (text === null) return null;
    return this.single(text, file, iqn);
  }

  /** Every record: the per-export files, and a dvsan.conf not split yet (its files win). */
  async readAll(): Promise<TgtExportRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
    const byIqn = new Map<string, TgtExportRecord>();
    if (names.includes(legacyConfigName)) {
      for (const r of await readConfig(path.join(this.dir, legacyConfigName))) byIqn.set(r.iqn, r);
    }
    const files = names.filter(isExportFile).sort();
    const texts = await Promise.all(files.map((name) => readText(path.join(this.dir, name))));
    files.forEach((name, i) => {
      const text = texts[i];
      if (text === null || text === undefined) return; // removed meanwhile
      const iqn = name.slice(prefix.length, -suffix.length);
      const record = this.single(text, path.join(this.dir, name), iqn);
      byIqn.set(record.iqn, record);
    });
    return [...byIqn.values()];
  }

  /** Writes one export's file (atomically, mode 0600). Throws before writing anything unsafe. */
  async write(record: TgtExportRecord): Promise<void> {
    const text = renderConfig([record]);
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(this.pathOf(record.iqn), text, 0o600);
  }

  /** Removes one export's file; false when there was none. */
  async remove(iqn: string): Promise<boolean> {
    const file = this.pathOf(iqn);
    const existed = (await readText(file)) !== null;
    await rm(file, { force: true });
    if (existed) await syncDir(this.dir);
    return existed;
  }

  /**
   * Splits an earlier agent's dvsan.conf into one file per export, then removes it. Run under
   * the backend's lock. A crash half-way leaves dvsan.conf in place, and the next run writes
   * the same files again; a file already there for an export is newer and is kept.
   */
  async migrate(): Promise<void> {
    if (this.migrated) return;
    const legacy = path.join(this.dir, legacyConfigName);
    const records = await readConfig(legacy);
    for (const record of records) {
      if ((await this.read(record.iqn)) === null) await this.write(record);
    }
    if (records.length > 0 || (await readText(legacy)) !== null) {
      await rm(legacy, { force: true });
      await syncDir(this.dir);
    }
    this.migrated = true;
  }

  private single(text: string, file: string, iqn: string): TgtExportRecord {
    const records = parseConfig(text, file);
    const record = records[0];
    if (records.length !== 1 || !record || record.iqn !== iqn)
      throw new TgtConfigError(file, 1, `the file must hold exactly one <target ${iqn}> block`);
    return record;
  }
}
