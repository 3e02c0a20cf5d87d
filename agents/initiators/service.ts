// initiator.attach / detach / list: one backend underneath, a record per attachment on disk,
// and every step of an attach undone when a later one fails.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { DvsanError } from '../../protocol/errors.js';
import type {
  AttachParams,
  AttachResult,
  AttachmentStatus,
  InitiatorInfo,
} from '../../protocol/initiators.js';
import type { AgentResult } from '../../protocol/agent-rpc.js';
import type { InitiatorBackend, SessionRef } from './backend.js';
import type { Run } from './command.js';
import { probePortal } from './diagnose.js';
import { formatIfEmpty, mountFilesystem, unmount } from './filesystem.js';
import { ensureHostIqn, parseInitiatorName, writeHostIqn } from './host-iqn.js';
import { installUuidMountUnit, removeMountUnit, takeDownMount } from './mount-unit.js';
import { checkMountPointPath, prepareMountPoint, removeCreatedDirs } from './mount-point.js';
import type { InitiatorPaths } from './paths.js';
import { listMirrors, mirrorDirOf } from './mirror-records.js';
import { mountPoints } from './processes.js';
import {
  listRecords,
  readRecord,
  removeRecord,
  writeRecord,
  type AttachmentRecord,
} from './records.js';

export interface InitiatorServiceOptions {
  paths: InitiatorPaths;
  run: Run;
  /** The backend, chosen once per agent process; null with the reason when there is none. */
  backend: () => Promise<{ backend: InitiatorBackend | null; missing: string | null }>;
  /** 'systemd' makes persistent mounts possible (agents/daemon chooseSupervisor). */
  supervisor: () => Promise<'systemd' | 'process'>;
  /** Serializes attach and detach across agent processes. */
  withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  hostname?: () => string;
}

/** The request as far as idempotency goes: everything but how long to wait. */
function requestKey(params: AttachParams): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...params, timeoutMs: 0 }))
    .digest('hex');
}

const refOf = (record: AttachmentRecord): SessionRef => ({
  attachmentId: record.attachmentId,
  target: record.target,
  device: record.result.device,
  pid: record.result.pid,
});

export class InitiatorService {
  constructor(private readonly options: InitiatorServiceOptions) {}

  private async requireBackend(): Promise<InitiatorBackend> {
    const { backend, missing } = await this.options.backend();
    if (!backend) throw new DvsanError('agent-error', missing ?? 'no iSCSI initiator on this host');
    return backend;
  }

  /** The host's initiator for the inventory: backend, IQN (generated when unset), mutual CHAP. */
  async info(): Promise<InitiatorInfo | null> {
    const { backend } = await this.options.backend();
    if (!backend) return null;
    const hostname = this.options.hostname?.() ?? os.hostname();
    const iqn = await ensureHostIqn(this.options.paths.initiatorNameFile, hostname);
    return { backend: backend.kind, iqn, mutualChap: backend.mutualChap };
  }

  async attach(params: AttachParams): Promise<AttachResult> {
    // Bad input is refused before anything is touched.
    if (params.mountPoint !== undefined) {
      if (!params.filesystem)
        throw new DvsanError('invalid-params', 'mountPoint needs filesystem ({ type, format })');
      checkMountPointPath(params.mountPoint);
    }
    const backend = await this.requireBackend();
    return this.options.withLock(async () => {
      const key = requestKey(params);
      const existing = await readRecord(this.options.paths.recordDir, params.attachmentId);
      if (existing) {
        if (existing.requestKey === key) return existing.result;
        throw new DvsanError(
          'conflict',
          `attachment ${params.attachmentId} already exists with other settings (target ${existing.target.iqn}); detach it first or use another id`,
          { attachmentId: params.attachmentId },
        );
      }
      await this.checkHostIqn(backend, params.initiatorIqn);
      return this.attachNew(backend, params, key);
    });
  }

  /** open-iscsi logs in with the host's own name: set it when unset, else it must match. */
  private async checkHostIqn(backend: InitiatorBackend, iqn: string): Promise<void> {
    if (backend.kind !== 'open-iscsi') return;
    const file = this.options.paths.initiatorNameFile;
    const own = parseInitiatorName(await readFile(file, 'utf8').catch(() => ''));
    if (own === null) await writeHostIqn(file, iqn);
    else if (own !== iqn)
      throw new DvsanError(
        'invalid-params',
        `this host's initiator name is ${own}, not ${iqn}: export the volume to ${own}`,
      );
  }

  private async attachNew(
    backend: InitiatorBackend,
    params: AttachParams,
    key: string,
  ): Promise<AttachResult> {
    const { run, paths } = this.options;
    const undo: (() => Promise<unknown>)[] = [];
    try {
      let createdDir: string | null = null;
      if (params.mountPoint) {
        createdDir = await prepareMountPoint(params.mountPoint);
        const point = params.mountPoint;
        undo.push(() => removeCreatedDirs(point, createdDir));
      }
      const session = await backend.login({
        attachmentId: params.attachmentId,
        target: params.target,
        initiatorIqn: params.initiatorIqn,
        chap: params.chap,
        readOnly: params.readOnly,
        timeoutMs: params.timeoutMs,
        mirrorLeg: params.mirrorLeg === true,
      });
      const ref: SessionRef = {
        attachmentId: params.attachmentId,
        target: params.target,
        device: session.device,
        pid: session.pid,
      };
      undo.push(() => backend.logout(ref, true));

      let formatted = false;
      let mountUnit: string | null = null;
      const fs = params.filesystem;
      if (fs) {
        formatted = await formatIfEmpty(run, session.device, fs, params.readOnly);
        if (params.mountPoint) {
          const point = params.mountPoint;
          await mountFilesystem(run, fs.type, session.device, point, params.readOnly);
          undo.push(() => unmount(run, point, true));
          await backend.afterMount(ref);
          if (
            params.persistent &&
            backend.kind === 'open-iscsi' &&
            (await this.options.supervisor()) === 'systemd'
          ) {
            mountUnit = await this.persist(params, session.device);
            const unit = mountUnit;
            undo.push(() => removeMountUnit(run, paths.unitDir, unit));
          }
        }
      }
      const result: AttachResult = {
        attachmentId: params.attachmentId,
        backend: backend.kind,
        device: session.device,
        mountPoint: params.mountPoint ?? null,
        formatted,
        sizeBytes: session.sizeBytes,
        pid: session.pid,
        mutualChap: session.mutualChap,
        persistent: mountUnit !== null,
      };
      await writeRecord(paths.recordDir, {
        attachmentId: params.attachmentId,
        requestKey: key,
        target: params.target,
        initiatorIqn: params.initiatorIqn,
        readOnly: params.readOnly,
        filesystemType: fs?.type ?? null,
        createdDir,
        mountUnit,
        result,
      });
      return result;
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
  }

  private async persist(params: AttachParams, device: string): Promise<string> {
    return installUuidMountUnit(this.options.run, this.options.paths.unitDir, device, {
      attachmentId: params.attachmentId,
      where: params.mountPoint!,
      type: params.filesystem!.type,
      readOnly: params.readOnly,
    });
  }

  async detach(attachmentId: string, force: boolean): Promise<AgentResult<'initiator.detach'>> {
    return this.options.withLock(async () => {
      const record = await readRecord(this.options.paths.recordDir, attachmentId);
      if (!record) return { detached: false, warnings: [] };
      const mirror = (await listMirrors(mirrorDirOf(this.options.paths.recordDir))).find((m) =>
        m.legs.includes(attachmentId),
      );
      // Pulling a leg from under md costs the mirror its redundancy: only when forced.
      if (mirror && !force)
        throw new DvsanError(
          'conflict',
          `attachment ${attachmentId} is a leg of mirror ${mirror.name}: remove the mirror first`,
          { mirrorId: mirror.mirrorId },
        );
      const backend = await this.requireBackend();
      const warnings: string[] = [];
      const { run, paths } = this.options;
      const point = record.result.mountPoint;
      if (force) {
        const away = await probePortal(
          record.target.portal.address,
          record.target.portal.port,
          2000,
        );
        if (away)
          warnings.push(
            `the unit's portal ${record.target.portal.address}:${record.target.portal.port} does not answer (${away.said}): writes not yet on the unit are lost`,
          );
      }
      warnings.push(...(await takeDownMount(run, paths.unitDir, record.mountUnit, point, force)));
      warnings.push(...(await backend.logout(refOf(record), force)));
      if (point) await removeCreatedDirs(point, record.createdDir);
      await removeRecord(paths.recordDir, attachmentId);
      return { detached: true, warnings };
    });
  }

  async list(): Promise<AgentResult<'initiator.list'>> {
    const { backend } = await this.options.backend();
    const info = await this.info().catch(() => null);
    const records = await listRecords(this.options.paths.recordDir);
    const attachments = await Promise.all(records.map((r) => this.status(r, backend)));
    return {
      backend: backend?.kind ?? null,
      initiatorIqn: info?.iqn ?? null,
      mutualChap: backend?.mutualChap ?? false,
      attachments,
    };
  }

  private async status(
    record: AttachmentRecord,
    backend: InitiatorBackend | null,
  ): Promise<AttachmentStatus> {
    let error = backend
      ? await backend
          .health(refOf(record))
          .catch((err: unknown) => `health check failed: ${String(err)}`)
      : 'no initiator backend on this host any more';
    const point = record.result.mountPoint;
    if (error === null && point && !(await mountPoints()).has(point))
      error = `${point} is no longer mounted`;
    return {
      attachmentId: record.attachmentId,
      backend: record.result.backend,
      targetIqn: record.target.iqn,
      portal: record.target.portal,
      device: record.result.device,
      mountPoint: point,
      readOnly: record.readOnly,
      pid: record.result.pid,
      state: error === null ? 'ok' : 'failed',
      error,
    };
  }

  /** Ids of attachments whose health check fails, for the heartbeat (bounded by the caller). */
  async failedAttachments(): Promise<string[]> {
    const records = await listRecords(this.options.paths.recordDir);
    if (records.length === 0) return [];
    const { backend } = await this.options.backend();
    const states = await Promise.all(records.map((r) => this.status(r, backend)));
    return states.filter((a) => a.state === 'failed').map((a) => a.attachmentId);
  }
}
