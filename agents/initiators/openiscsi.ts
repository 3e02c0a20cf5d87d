// The kernel initiator on real hosts: open-iscsi's iscsiadm for discovery, node records (with
// CHAP), login and logout; the LUN appears as a SCSI disk under /dev/disk/by-path.
import { access, readFile, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { writeFileAtomic } from '../common/atomic-file.js';
import { firstLine } from '../volumes/command.js';
import type { InitiatorBackend, LoginSpec, Session, SessionRef } from './backend.js';
import { sleep, waitUntil, type CommandResult, type Run } from './command.js';
import {
  classifyIscsiadm,
  iscsiadmExit,
  loginFailed,
  probePortal,
  type LoginContext,
} from './diagnose.js';
import { recordFiles, setInRecords, type RecordFs } from './node-record.js';

/** The filesystem calls the backend makes; injected in tests. */
export interface OpenIscsiFs extends RecordFs {
  exists(file: string): Promise<boolean>;
  realpath(file: string): Promise<string>;
  read(file: string): Promise<string | null>;
  write(file: string, data: string): Promise<void>;
}

export const systemFs: OpenIscsiFs = {
  exists: (file) =>
    access(file).then(
      () => true,
      () => false,
    ),
  realpath: (file) => realpath(file),
  read: (file) => readFile(file, 'utf8').catch(() => null),
  write: (file, data) => writeFile(file, data),
  list: (dir) => readdir(dir).catch(() => []),
  isDir: (file) =>
    stat(file).then(
      (s) => s.isDirectory(),
      () => false,
    ),
  replace: (file, data) => writeFileAtomic(file, data, 0o600),
};

export interface OpenIscsiOptions {
  run: Run;
  fs?: OpenIscsiFs;
  probe?: typeof probePortal;
  /** Attempts for exit 6 (the node database was busy); default 3. */
  idbmAttempts?: number;
  /** When the LUN has not shown up after this long, rescan it once; default 2 s. */
  rescanAfterMs?: number;
}

const portalOf = (spec: { target: LoginSpec['target'] }) => {
  const { address, port } = spec.target.portal;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
};

/** How long a mirror leg's lost session may block I/O before md is told the leg failed. */
export const mirrorLegReplacementSeconds = 5;

/** udev's stable name for the LUN. */
export function byPathName(target: LoginSpec['target']): string {
  const { address, port } = target.portal;
  const host = address.includes(':') ? `[${address}]` : address;
  return `/dev/disk/by-path/ip-${host}:${port}-iscsi-${target.iqn}-lun-${target.lun}`;
}

/** `iscsiadm -m session -P 3`: the SCSI host number of the session to `iqn` at `portal`. */
export function sessionHost(text: string, iqn: string, portal: string): number | null {
  for (const block of text.split(/^Target: /m).slice(1)) {
    const name = block.split(/\s/)[0];
    if (name !== iqn || !block.includes(`Current Portal: ${portal},`)) continue;
    const host = /Host Number: (\d+)/.exec(block);
    if (host) return Number(host[1]);
  }
  return null;
}

export class OpenIscsiInitiator implements InitiatorBackend {
  readonly kind = 'open-iscsi' as const;
  readonly mutualChap = true;
  private readonly fs: OpenIscsiFs;
  private readonly probe: typeof probePortal;

  constructor(private readonly options: OpenIscsiOptions) {
    this.fs = options.fs ?? systemFs;
    this.probe = options.probe ?? probePortal;
  }

  private iscsiadm(args: string[], timeoutMs = 30_000): Promise<CommandResult> {
    return this.options.run('iscsiadm', args, { timeoutMs });
  }

  /** Exit 6 means iscsiadm could not lock or read its node database: retried, bounded. */
  private async iscsiadmRetrying(args: string[], timeoutMs?: number): Promise<CommandResult> {
    const attempts = this.options.idbmAttempts ?? 3;
    let result = await this.iscsiadm(args, timeoutMs);
    for (let i = 1; i < attempts && result.code === iscsiadmExit.idbm; i++) {
      await sleep(200 * i);
      result = await this.iscsiadm(args, timeoutMs);
    }
    return result;
  }

  private nodeArgs(spec: { target: LoginSpec['target'] }): string[] {
    return ['-m', 'node', '-T', spec.target.iqn, '-p', portalOf(spec)];
  }

  private failure(what: string, r: CommandResult): DvsanError {
    return new DvsanError(
      'agent-error',
      `iscsiadm ${what} failed (exit ${r.code}): ${firstLine(r.stderr) || firstLine(r.stdout)}`,
    );
  }

  async login(spec: LoginSpec): Promise<Session> {
    const ctx: LoginContext = {
      target: spec.target,
      initiatorIqn: spec.initiatorIqn,
      chapUser: spec.chap?.user ?? null,
      timeoutMs: spec.timeoutMs,
    };
    const deadline = Date.now() + spec.timeoutMs;
    const seconds = String(Math.max(1, Math.ceil(spec.timeoutMs / 1000)));
    const unreachable = await this.probe(
      spec.target.portal.address,
      spec.target.portal.port,
      Math.min(spec.timeoutMs, 5000),
    );
    if (unreachable) throw loginFailed(unreachable, ctx);

    // Discovery without touching the node database: only the record below is ours.
    const found = await this.iscsiadmRetrying(
      ['-m', 'discovery', '-t', 'sendtargets', '-p', portalOf(spec), '-o', 'nonpersistent'],
      spec.timeoutMs,
    );
    const listed = found.stdout
      .split('\n')
      .some((line) => line.trim().split(/\s+/)[1] === spec.target.iqn);
    if (found.code === iscsiadmExit.noObjsFound || (found.code === 0 && !listed))
      throw loginFailed(
        { reason: 'target-missing', said: 'not listed by discovery', maybe: 'acl-denied' },
        ctx,
      );
    if (found.code !== 0) {
      const d = classifyIscsiadm(found.code, firstLine(found.stderr));
      throw d ? loginFailed(d, ctx) : this.failure('discovery', found);
    }

    const node = this.nodeArgs(spec);
    const created = await this.iscsiadmRetrying([...node, '-o', 'new']);
    if (created.code !== 0 && created.code !== iscsiadmExit.sessExists)
      throw this.failure('-o new', created);
    try {
      const chap = spec.chap;
      // The default 120 s would block the mirror's I/O that long on a dead unit.
      const legTimeout: [string, string][] = spec.mirrorLeg
        ? [['node.session.timeo.replacement_timeout', String(mirrorLegReplacementSeconds)]]
        : [];
      const settings: [string, string][] = [
        ['node.startup', 'manual'],
        ['node.conn[0].timeo.login_timeout', seconds],
        ...legTimeout,
        ['node.session.auth.authmethod', chap ? 'CHAP' : 'None'],
      ];
      const credentials: [string, string][] = [
        ...(chap
          ? ([
              ['node.session.auth.username', chap.user],
              ['node.session.auth.password', chap.secret],
            ] as [string, string][])
          : []),
        ...(chap?.mutualUser && chap.mutualSecret
          ? ([
              ['node.session.auth.username_in', chap.mutualUser],
              ['node.session.auth.password_in', chap.mutualSecret],
            ] as [string, string][])
          : []),
      ];
      // Credentials go into the record file, out of every argv, after iscsiadm's own rewrites
      // of it; a host whose records live somewhere else still logs in, with the secret passing
      // through iscsiadm's argv.
      const { address, port } = spec.target.portal;
      const files =
        credentials.length > 0 ? await recordFiles(this.fs, spec.target.iqn, address, port) : [];
      for (const [name, value] of files.length > 0 ? settings : [...settings, ...credentials]) {
        const r = await this.iscsiadmRetrying([...node, '-o', 'update', '-n', name, '-v', value]);
        // Never echo the command: it may carry the CHAP secret.
        if (r.code !== 0) throw this.failure(`update ${name}`, r);
      }
      await setInRecords(this.fs, files, credentials);
      const login = await this.iscsiadmRetrying([...node, '--login'], spec.timeoutMs + 5000);
      if (login.code !== 0 && login.code !== iscsiadmExit.sessExists) {
        const d = classifyIscsiadm(login.code, firstLine(login.stderr));
        throw d ? loginFailed(d, ctx) : this.failure('--login', login);
      }
      const device = await this.waitForLun(spec, deadline);
      if (!device)
        throw loginFailed(
          { reason: 'timeout', said: `${byPathName(spec.target)} did not appear` },
          ctx,
        );
      const sectors = Number(
        (await this.fs.read(`/sys/class/block/${path.basename(device)}/size`))?.trim(),
      );
      return {
        device,
        sizeBytes: Number.isFinite(sectors) ? sectors * 512 : 0,
        pid: null,
        mutualChap: Boolean(chap?.mutualUser && chap.mutualSecret),
      };
    } catch (err) {
      await this.logoutNode(spec, true);
      throw err;
    }
  }

  /** Waits for the by-path link; rescans only this LUN once if it is slow to appear. */
  private async waitForLun(spec: LoginSpec, deadline: number): Promise<string | null> {
    const link = byPathName(spec.target);
    const appeared = () => this.fs.exists(link);
    const rescanAt = Math.min(Date.now() + (this.options.rescanAfterMs ?? 2000), deadline);
    let found = await waitUntil(appeared, Math.max(rescanAt - Date.now(), 0));
    if (!found) {
      await this.rescanLun(spec);
      found = await waitUntil(appeared, Math.max(deadline - Date.now(), 0));
    }
    return found ? this.fs.realpath(link) : null;
  }

  private async rescanLun(spec: LoginSpec): Promise<void> {
    const sessions = await this.iscsiadm(['-m', 'session', '-P', '3'], 10_000);
    const host = sessionHost(sessions.stdout, spec.target.iqn, portalOf(spec));
    // iSCSI sessions are channel 0, target id 0 on their own SCSI host.
    if (host !== null)
      await this.fs
        .write(`/sys/class/scsi_host/host${host}/scan`, `0 0 ${spec.target.lun}`)
        .catch(() => undefined);
  }

  /** Logout and node record removal; "no such session/record" (21) is not an error. */
  private async logoutNode(
    spec: { target: LoginSpec['target'] },
    force: boolean,
  ): Promise<string[]> {
    const warnings: string[] = [];
    const node = this.nodeArgs(spec);
    const out = await this.iscsiadmRetrying([...node, '--logout'], force ? 10_000 : 60_000);
    if (out.code !== 0 && out.code !== iscsiadmExit.noObjsFound)
      warnings.push(
        `iscsiadm --logout from ${spec.target.iqn} failed (exit ${out.code}): ${firstLine(out.stderr)}`,
      );
    const del = await this.iscsiadmRetrying([...node, '-o', 'delete'], 10_000);
    if (del.code !== 0 && del.code !== iscsiadmExit.noObjsFound)
      warnings.push(
        `iscsiadm could not delete the node record of ${spec.target.iqn} (exit ${del.code})`,
      );
    return warnings;
  }

  async logout(ref: SessionRef, force: boolean): Promise<string[]> {
    if (!force)
      await this.options.run('blockdev', ['--flushbufs', ref.device], { timeoutMs: 60_000 });
    return this.logoutNode(ref, force);
  }

  async afterMount(): Promise<void> {
    // The SCSI disk belongs to the session; nothing to hand over to the mount.
  }

  async health(ref: SessionRef): Promise<string | null> {
    const link = byPathName(ref.target);
    if (!(await this.fs.exists(link))) return `${link} is gone: the session is down`;
    const device = await this.fs.realpath(link).catch(() => null);
    if (device !== ref.device)
      return `${link} now points to ${device ?? 'nothing'}, not ${ref.device}`;
    const state = (
      await this.fs.read(`/sys/block/${path.basename(ref.device)}/device/state`)
    )?.trim();
    if (state && state !== 'running') return `SCSI device ${ref.device} is ${state}`;
    return null;
  }
}
