// CHAP credentials go straight into open-iscsi's node record file instead of through
// `iscsiadm -o update -v SECRET`: any user on the host can read a running program's argv in
// /proc, and the secret would sit there for the length of the call.
import { DvsanError } from '../../protocol/errors.js';

/** Where open-iscsi keeps node records: Debian's path first, then Red Hat's. */
export const nodeDatabases = ['/etc/iscsi/nodes', '/var/lib/iscsi/nodes'];

/** The filesystem calls the record edit makes; injected in tests. */
export interface RecordFs {
  /** Names in a directory; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  isDir(file: string): Promise<boolean>;
  read(file: string): Promise<string | null>;
  /** Writes a whole file atomically, readable by root only. */
  replace(file: string, data: string): Promise<void>;
}

/**
 * The record files of one target at one portal: `<db>/<iqn>/<address>,<port>,<tpgt>/<iface>`
 * (one per interface), or the portal entry itself, a file, when iscsiadm made the record
 * without discovery (`<address>,<port>`, as `-o new` does) or in the older layout.
 */
export async function recordFiles(
  fs: RecordFs,
  iqn: string,
  address: string,
  port: number,
  databases = nodeDatabases,
): Promise<string[]> {
  const files: string[] = [];
  for (const db of databases) {
    const targetDir = `${db}/${iqn}`;
    for (const entry of await fs.list(targetDir)) {
      if (entry !== `${address},${port}` && !entry.startsWith(`${address},${port},`)) continue;
      const portalPath = `${targetDir}/${entry}`;
      if (await fs.isDir(portalPath))
        files.push(
          ...(await fs.list(portalPath))
            // A temp file of an interrupted write is nobody's record.
            .filter((name) => !name.startsWith('.'))
            .map((name) => `${portalPath}/${name}`),
        );
      else files.push(portalPath);
    }
    if (files.length > 0) return files;
  }
  return files;
}

/**
 * The record's text with each setting set once: old lines of the same names dropped, the new
 * ones placed before the "# END RECORD" comment (or at the end when there is none).
 */
export function withSettings(record: string, settings: readonly [string, string][]): string {
  for (const [name, value] of settings)
    if (!/^[\x21-\x7e]{1,255}$/.test(value))
      throw new DvsanError('agent-error', `${name} must be 1-255 printable characters`);
  const names = new Set(settings.map(([name]) => name));
  const lines = record
    .split('\n')
    .filter((line) => line.trim() !== '' && !names.has(line.split('=')[0]!.trim()));
  const end = lines.findIndex((line) => /^#\s*END RECORD/.test(line));
  const added = settings.map(([name, value]) => `${name} = ${value}`);
  lines.splice(end < 0 ? lines.length : end, 0, ...added);
  return `${lines.join('\n')}\n`;
}

/** Sets the settings in each record file. */
export async function setInRecords(
  fs: RecordFs,
  files: readonly string[],
  settings: readonly [string, string][],
): Promise<void> {
  for (const file of files) {
    const text = await fs.read(file);
    if (text === null)
      throw new DvsanError('agent-error', `open-iscsi's node record ${file} could not be read`);
    await fs.replace(file, withSettings(text, settings));
  }
}
