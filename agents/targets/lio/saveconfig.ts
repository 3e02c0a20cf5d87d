import { randomBytes } from 'node:crypto';
import { syncDir } from '../../common/atomic-file.js';
import { access, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SaveConfigError, errnoOf } from '../errors.js';
import { saveConfigSchema, type SaveConfig } from './saved.js';

/** Where Debian's python3-rtslib-fb (and so targetcli and targetctl) keep the saved config. */
export const debianSaveConfigPath = '/etc/rtslib-fb-target/saveconfig.json';
/** Upstream rtslib-fb's default, used by other distributions. */
export const upstreamSaveConfigPath = '/etc/target/saveconfig.json';

/** The path rtslib on this system reads at boot (`targetctl restore`). */
export async function defaultSaveConfigPath(
  debianVersionFile = '/etc/debian_version',
): Promise<string> {
  try {
    await access(debianVersionFile);
    return debianSaveConfigPath;
  } catch {
    return upstreamSaveConfigPath;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** The file's text as rtslib writes it: json.dumps(sort_keys=True, indent=2) and a newline. */
export function serializeSaveConfig(config: SaveConfig): string {
  return `${JSON.stringify(sortKeys(config), null, 2)}\n`;
}

/** The file operations of an atomic replace; tests inject failures here. */
export interface SaveFileOps {
  mkdir(dir: string): Promise<void>;
  /** Creates `file` (which must not exist) with `mode`, writes `data` and fsyncs it. */
  writeSynced(file: string, data: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsync of a directory, so a rename survives a crash. */
  syncDir(dir: string): Promise<void>;
  remove(file: string): Promise<void>;
  read(file: string): Promise<string>;
}

export const nodeSaveFileOps: SaveFileOps = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  },
  async writeSynced(file, data, mode) {
    const handle = await open(file, 'wx', mode);
    try {
      // open()'s mode passes through the umask; chmod makes it exact.
      await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async rename(from, to) {
    await rename(from, to);
  },
  syncDir,
  async remove(file) {
    await rm(file, { force: true });
  },
  async read(file) {
    return readFile(file, 'utf8');
  },
};

/**
 * Replaces `file` with `config` atomically: a temp file in the same directory, mode 0600 (it
 * holds CHAP secrets, as rtslib's does), fsync, rename, fsync of the directory. A failure
 * before the rename leaves the old file as it was. Then reads the file back and checks that
 * it parses to the same config. Errors name the file, never its content.
 */
export async function writeSaveConfig(
  file: string,
  config: SaveConfig,
  ops: SaveFileOps = nodeSaveFileOps,
): Promise<void> {
  const text = serializeSaveConfig(config);
  const dir = path.dirname(file);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.dvsan-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await ops.mkdir(dir);
    await ops.writeSynced(temp, text, 0o600);
    await ops.rename(temp, file);
  } catch (err) {
    await ops.remove(temp).catch(() => undefined);
    throw new SaveConfigError(
      `could not write ${file} (${errnoOf(err)}); the previous file is unchanged`,
      {
        file,
        errno: errnoOf(err),
      },
    );
  }
  await ops.syncDir(dir);
  let back: unknown;
  try {
    back = JSON.parse(await ops.read(file));
  } catch (err) {
    throw new SaveConfigError(
      `${file} does not read back as JSON after writing (${errnoOf(err)})`,
      { file },
    );
  }
  if (serializeSaveConfig(back as SaveConfig) !== text)
    throw new SaveConfigError(`${file} read back differs from what was written`, { file });
}

/** Reads and checks a saveconfig.json; null when the file does not exist. */
export async function readSaveConfig(
  file: string,
  ops: SaveFileOps = nodeSaveFileOps,
): Promise<SaveConfig | null> {
  let text: string;
  try {
    text = await ops.read(file);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw new SaveConfigError(`could not read ${file} (${errnoOf(err)})`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SaveConfigError(`${file} is not JSON`, { file });
  }
  const parsed = saveConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new SaveConfigError(
      `${file} is not an rtslib saveconfig: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      {
        file,
      },
    );
  return parsed.data;
}
