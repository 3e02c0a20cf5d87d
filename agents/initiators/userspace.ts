// The userspace initiator for kernels without iscsi_tcp (the lab's): qemu-storage-daemon logs
// in with qemu's iSCSI driver (libiscsi) and exports the LUN as a FUSE file; a loop device
// over that file gives the host a real block device. One daemon per attachment.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { firstLine } from '../volumes/command.js';
import type { InitiatorBackend, LoginSpec, Session, SessionRef } from './backend.js';
import { waitUntil, type Run } from './command.js';
import { classifyLibiscsi, loginFailed, probePortal, type LoginContext } from './diagnose.js';
import { loopBackingFile, loopDetach, loopSetup } from './loop.js';
import { isOurQsd, mountPoints, stopProcess } from './processes.js';

/** The files of one attachment under the run dir. */
export interface QsdFiles {
  dir: string;
  secret: string;
  disk: string;
  pidFile: string;
  log: string;
}

export function qsdFiles(runDir: string, attachmentId: string): QsdFiles {
  const dir = path.join(runDir, attachmentId);
  return {
    dir,
    secret: path.join(dir, 'chap-secret'),
    disk: path.join(dir, 'disk'),
    pidFile: path.join(dir, 'qsd.pid'),
    log: path.join(dir, 'qsd.log'),
  };
}

/** A value inside a qemu option string: commas are doubled, everything else is literal. */
const qemuValue = (value: string) => value.replace(/,/g, ',,');

/**
 * qemu-storage-daemon's argv. The CHAP secret is read from a 0600 file (a `secret` object),
 * never passed on the command line; qemu's iSCSI driver has no mutual CHAP, so the target's
 * credentials are not passed at all.
 */
export function qsdArgs(spec: LoginSpec, files: QsdFiles): string[] {
  const { address, port } = spec.target.portal;
  const portal = isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
  const blockdev = [
    'driver=iscsi',
    'node-name=lun',
    'transport=tcp',
    `portal=${qemuValue(portal)}`,
    `target=${qemuValue(spec.target.iqn)}`,
    `lun=${spec.target.lun}`,
    `initiator-name=${qemuValue(spec.initiatorIqn)}`,
    ...(spec.chap ? [`user=${qemuValue(spec.chap.user)}`, 'password-secret=chap'] : []),
    ...(spec.readOnly ? ['read-only=on'] : []),
  ].join(',');
  const exportOpts = [
    'type=fuse',
    'id=disk',
    'node-name=lun',
    `mountpoint=${qemuValue(files.disk)}`,
    `writable=${spec.readOnly ? 'off' : 'on'}`,
  ].join(',');
  return [
    '--pidfile',
    files.pidFile,
    ...(spec.chap ? ['--object', `secret,id=chap,file=${qemuValue(files.secret)}`] : []),
    '--blockdev',
    blockdev,
    '--export',
    exportOpts,
  ];
}

/** Lines qsd writes when the LUN fails under it. */
const ioErrorPattern = /error|fail|reconnect/i;
/** Only what qsd wrote lately counts: an old line must not mark a healed attachment failed. */
const recentLogMs = 30_000;
const logTailBytes = 4096;

/** The last error line of qsd's log if the log was written in the last half minute. */
export async function recentErrorLine(file: string): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size, mtimeMs } = await handle.stat();
    if (Date.now() - mtimeMs > recentLogMs) return null;
    const start = Math.max(0, size - logTailBytes);
    const { buffer, bytesRead } = await handle.read(
      Buffer.alloc(size - start),
      0,
      size - start,
      start,
    );
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    return (
      lines
        .reverse()
        .find((line) => ioErrorPattern.test(line))
        ?.trim() ?? null
    );
  } finally {
    await handle.close();
  }
}

export interface UserspaceOptions {
  runDir: string;
  /** Absolute path of qemu-storage-daemon. */
  qsdPath: string;
  run: Run;
}

export class UserspaceInitiator implements InitiatorBackend {
  readonly kind = 'userspace' as const;
  readonly mutualChap = false;

  constructor(private readonly options: UserspaceOptions) {}

  async login(spec: LoginSpec): Promise<Session> {
    const files = qsdFiles(this.options.runDir, spec.attachmentId);
    const ctx: LoginContext = {
      target: spec.target,
      initiatorIqn: spec.initiatorIqn,
      chapUser: spec.chap?.user ?? null,
      timeoutMs: spec.timeoutMs,
    };
    const deadline = Date.now() + spec.timeoutMs;
    const unreachable = await probePortal(
      spec.target.portal.address,
      spec.target.portal.port,
      Math.min(spec.timeoutMs, 5000),
    );
    if (unreachable) throw loginFailed(unreachable, ctx);

    let pid: number | null = null;
    let device: string | undefined;
    try {
      pid = await this.startQsd(spec, files, ctx, deadline);
      device = await loopSetup(this.options.run, files.disk, spec.readOnly);
      const sizeBytes = (await stat(files.disk)).size;
      return { device, sizeBytes, pid, mutualChap: false };
    } catch (err) {
      await this.cleanup(files, pid, true, device);
      throw err;
    }
  }

  /** Starts qsd in a session of its own and waits until its FUSE file is mounted. */
  private async startQsd(
    spec: LoginSpec,
    files: QsdFiles,
    ctx: LoginContext,
    deadline: number,
  ): Promise<number> {
    await rm(files.dir, { recursive: true, force: true });
    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    if (spec.chap) await writeFile(files.secret, spec.chap.secret, { mode: 0o600, flag: 'wx' });
    // The FUSE export mounts over a regular file.
    await writeFile(files.disk, '', { mode: 0o600, flag: 'wx' });
    const log = await open(files.log, 'a', 0o600);
    let exited: string | null = null;
    let child;
    try {
      child = spawn(this.options.qsdPath, qsdArgs(spec, files), {
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        cwd: '/',
      });
    } finally {
      await log.close();
    }
    child.on('error', (err) => (exited = `could not start: ${err.message}`));
    child.on('exit', (code, sig) => (exited = sig ? `killed by ${sig}` : `exit ${code}`));
    child.unref();
    const pid = child.pid;

    const mounted = async () => (await mountPoints()).get(files.disk)?.startsWith('fuse') === true;
    const ready = await waitUntil(
      async () => exited !== null || (await mounted()),
      Math.max(deadline - Date.now(), 0),
      50,
    );
    if (exited === null && ready && pid !== undefined) return pid;

    if (pid !== undefined && exited === null)
      await stopProcess(pid, async () => exited === null, 0, 2000);
    const said = await readFile(files.log, 'utf8').catch(() => '');
    if (!ready) throw loginFailed({ reason: 'timeout', said: 'no FUSE export yet' }, ctx);
    const diagnosis = classifyLibiscsi(said);
    if (diagnosis) throw loginFailed(diagnosis, ctx);
    // The portal answered TCP a moment ago; a connection that fails now is still the portal.
    if (/iscsi_service|connect/i.test(said) && !/Status:/.test(said)) {
      const probe = await probePortal(spec.target.portal.address, spec.target.portal.port, 2000);
      if (probe) throw loginFailed(probe, ctx);
    }
    throw new DvsanError(
      'agent-error',
      `qemu-storage-daemon ${exited ?? 'failed'}: ${firstLine(said.replace(/^qemu-storage-daemon: --blockdev [^:]*: /m, '')) || 'no output'}`,
      { log: files.log },
    );
  }

  async logout(ref: SessionRef, force: boolean): Promise<string[]> {
    const files = qsdFiles(this.options.runDir, ref.attachmentId);
    return this.cleanup(files, ref.pid, force, ref.device);
  }

  /**
   * Loop device off, qsd stopped (SIGTERM lets it flush; SIGKILL after a bounded wait), a
   * FUSE mount a killed qsd left behind lazily unmounted, the run dir removed.
   */
  private async cleanup(
    files: QsdFiles,
    pid: number | null,
    force: boolean,
    device?: string,
  ): Promise<string[]> {
    const warnings: string[] = [];
    const { run } = this.options;
    const loops = device ? [device] : [];
    for (const loop of loops) {
      if ((await loopBackingFile(loop)) !== files.disk) continue;
      const detached = await loopDetach(run, loop);
      if (!detached) warnings.push(`loop device ${loop} could not be detached`);
    }
    if (pid !== null) {
      const stopped = await stopProcess(
        pid,
        () => isOurQsd(pid, files.disk),
        force ? 2000 : 10_000,
      );
      if (stopped.killed)
        warnings.push(
          `qemu-storage-daemon (pid ${pid}) did not stop in time and was killed: writes it had not yet sent to the unit are lost`,
        );
      if (!stopped.gone) warnings.push(`qemu-storage-daemon (pid ${pid}) is still running`);
    }
    // A lazily unmounted filesystem lets go of the loop device once its last I/O fails or
    // finishes, which a killed qsd makes quick.
    for (const loop of loops) {
      const released = await waitUntil(
        async () => (await loopBackingFile(loop)) !== files.disk,
        5000,
        100,
      );
      if (!released) warnings.push(`loop device ${loop} is still in use`);
    }
    if ((await mountPoints()).has(files.disk)) {
      const r = await run('umount', ['-l', files.disk], { timeoutMs: 5000 });
      if (r.code !== 0)
        warnings.push(`FUSE export ${files.disk} is still mounted: ${firstLine(r.stderr)}`);
    }
    if (!(await mountPoints()).has(files.disk))
      await rm(files.dir, { recursive: true, force: true });
    return warnings;
  }

  async afterMount(ref: SessionRef): Promise<void> {
    // While mounted, `losetup -d` only sets autoclear: the kernel frees the device at unmount.
    await loopDetach(this.options.run, ref.device);
  }

  async health(ref: SessionRef): Promise<string | null> {
    const files = qsdFiles(this.options.runDir, ref.attachmentId);
    if (ref.pid === null || !(await isOurQsd(ref.pid, files.disk)))
      return `qemu-storage-daemon (pid ${ref.pid ?? '?'}) is not running`;
    if ((await loopBackingFile(ref.device)) !== files.disk)
      return `loop device ${ref.device} no longer reads ${files.disk}`;
    const errorLine = await recentErrorLine(files.log);
    if (errorLine) return `I/O errors: ${errorLine.slice(0, 200)}`;
    // libiscsi reconnects quietly while the unit is away; the portal itself tells.
    const away = await probePortal(ref.target.portal.address, ref.target.portal.port, 1000);
    if (away)
      return `the unit's portal ${ref.target.portal.address}:${ref.target.portal.port} does not answer (${away.said})`;
    return null;
  }
}
