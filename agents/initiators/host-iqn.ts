import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { iqnSchema } from '../../protocol/volumes.js';
import { writeFileAtomic } from '../common/atomic-file.js';

/** The naming authority dvsan generates host IQNs under. */
export const hostIqnPrefix = 'iqn.2026-11.io.dvsan.host:';

/**
 * A host IQN from its hostname, valid per RFC 3720 and dvsan's iqnSchema: lowercase, and
 * anything outside [a-z0-9.-] becomes '-'.
 */
export function hostIqnFor(hostname: string): string {
  const name =
    hostname
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 223 - hostIqnPrefix.length) || 'host';
  return `${hostIqnPrefix}${name}`;
}

/** `InitiatorName=` from initiatorname.iscsi (comments and blank lines ignored), or null. */
export function parseInitiatorName(text: string): string | null {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const match = /^InitiatorName\s*=\s*(\S+)$/.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

/**
 * The host's initiator name from `file`. When the file has none, one is generated from the
 * hostname and written there (open-iscsi reads the same file), so the station learns the name
 * it must export to from the inventory. A name that is not iqnSchema-valid is reported as is;
 * the station refuses it.
 */
export async function ensureHostIqn(file: string, hostname: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const found = parseInitiatorName(text);
  if (found) return found;
  const iqn = hostIqnFor(hostname);
  await writeHostIqn(file, iqn);
  return iqn;
}

export async function writeHostIqn(file: string, iqn: string): Promise<void> {
  iqnSchema.parse(iqn);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await writeFileAtomic(file, `# Written by dvsan-agent\nInitiatorName=${iqn}\n`, 0o644);
}
