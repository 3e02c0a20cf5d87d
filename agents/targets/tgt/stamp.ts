// When the backend's view of tgtd may be trusted without reading tgtd again: while the tgtd is
// the same instance and no agent process changed it since. The instance is told by tgtd's
// management socket (tgtd unlinks and binds it afresh at every start, so a restart gives a new
// inode and change time). Changes are told by a generation file next to the lock, which every
// writer sets to a new random value under the lock before its first step. A tgtd reached some
// other way (no socket file where tgt 1.0.x puts it) has no instance: nothing is trusted then,
// and every question reads tgtd, as the backend did before it kept a view.
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** tgt 1.0.x's management socket for control port N: /var/run/tgtd/socket.N. */
export function tgtdSocketPath(controlPort: number): string {
  return `/var/run/tgtd/socket.${controlPort}`;
}

/** The generation file for one tgtd, beside its lock file. */
export function tgtGenerationPath(runDir: string, controlPort: number): string {
  return path.join(runDir, `tgt-${controlPort}.generation`);
}

/** Which tgtd answers now; null when that cannot be told. */
export type TgtdInstance = () => Promise<string | null>;

export function socketInstance(socketPath: string): TgtdInstance {
  return async () => {
    try {
      const st = await stat(socketPath, { bigint: true });
      if (!st.isSocket()) return null;
      return `${st.dev}:${st.ino}:${st.ctimeNs}`;
    } catch {
      return null;
    }
  };
}

export class TgtGeneration {
  constructor(readonly file: string) {}

  /** The current generation; null before any writer set one. */
  async read(): Promise<string | null> {
    try {
      return (await readFile(this.file, 'utf8')).trim() || null;
    } catch {
      return null;
    }
  }

  /** Sets a new generation and returns it. Only under the lock, before a change. */
  async bump(): Promise<string> {
    const value = randomBytes(12).toString('hex');
    await writeFile(this.file, `${value}\n`, { mode: 0o644 });
    return value;
  }
}
