// mirror.create / remove / list: md RAID1 over two raw attachments of this host, formatted only
// when empty, mounted, and recorded so a later agent process (and the heartbeat) knows it.
import { createHash } from 'node:crypto';
import { access, readFile, realpath } from 'node:fs/promises';
import { DvsanError } from '../../protocol/errors.js';
import type {
  MirrorCreateParams,
  MirrorCreateResult,
  MirrorStatus,
  MirrorSupport,
} from '../../protocol/mirrors.js';
import type { AgentResult } from '../../protocol/agent-rpc.js';
import { findTool } from '../inventory/tools.js';
import { firstLine } from '../volumes/command.js';
import type { Run } from './command.js';
import { formatIfEmpty, mountFilesystem, unmount } from './filesystem.js';
import { MdMirror, type MirrorFs } from './mirror.js';
import { planHeal, readArgs, type HealPlan } from './mirror-heal.js';
import {
  listMirrors,
  mirrorDirOf,
  readMirror,
  removeMirror,
  writeMirror,
  type MirrorRecord,
} from './mirror-records.js';
import { installUuidMountUnit, removeMountUnit, takeDownMount } from './mount-unit.js';
import { checkMountPointPath, prepareMountPoint, removeCreatedDirs } from './mount-point.js';
import type { InitiatorPaths } from './paths.js';
import { readRecord, type AttachmentRecord } from './records.js';

export interface MirrorServiceOptions {
  paths: InitiatorPaths;
  run: Run;
  /** The initiator's lock: attach, detach and mirror changes never interleave. */
  withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  supervisor: () => Promise<'systemd' | 'process'>;
  support: () => Promise<MirrorSupport>;
  fs?: MirrorFs;
}

/** Whether md mirrors can be made, from what is there; pure so the words are unit-tested. */
export function mirrorSupport(hasMdadm: boolean, hasMd: boolean): MirrorSupport {
  const missing = [
    ...(hasMdadm ? [] : ['mdadm is not installed (install the Debian package mdadm)']),
    ...(hasMd
      ? []
      : [
          "the kernel has no md RAID1 (no /proc/mdstat; it needs the md_mod and raid1 modules, which Debian's kernels have)",
        ]),
  ];
  return missing.length
    ? { available: false, missing: `this host cannot mirror volumes: ${missing.join('; ')}` }
    : { available: true, missing: null };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export async function probeMirrorSupport(env: NodeJS.ProcessEnv, run: Run): Promise<MirrorSupport> {
  const hasMdadm = (await findTool('mdadm', env.PATH)) !== null;
  const hasMd =
    (await exists('/proc/mdstat')) ||
    (await run('modprobe', ['-n', '-q', 'raid1'], { timeoutMs: 10_000 })).code === 0;
  return mirrorSupport(hasMdadm, hasMd);
}

const systemFs: MirrorFs = {
  read: (file) => readFile(file, 'utf8').catch(() => null),
  realpath: (file) => realpath(file),
};

/** What one healing attempt did: how the leg went back, or why it did not. */
export type HealOutcome = { mirrorId: string; name: string; device: string } & (
  { done: 're-added' | 'added'; error?: undefined } | { done: null; error: string }
);

const requestKey = (p: MirrorCreateParams) =>
  createHash('sha256').update(JSON.stringify(p)).digest('hex');

export class MirrorService {
  private readonly md: MdMirror;
  private readonly dir: string;

  constructor(private readonly o: MirrorServiceOptions) {
    this.md = new MdMirror(o.run, o.fs ?? systemFs);
    this.dir = mirrorDirOf(o.paths.recordDir);
  }

  /** Whether this host can mirror, for the inventory. */
  support(): Promise<MirrorSupport> {
    return this.o.support();
  }

  private async requireSupport(): Promise<void> {
    const s = await this.o.support();
    if (!s.available)
      throw new DvsanError('agent-error', s.missing ?? 'this host cannot mirror volumes', {
        packages: ['mdadm'],
      });
  }

  async create(p: MirrorCreateParams): Promise<MirrorCreateResult> {
    if (p.mountPoint !== undefined) {
      if (!p.filesystem)
        throw new DvsanError('invalid-params', 'mountPoint needs filesystem ({ type, format })');
      checkMountPointPath(p.mountPoint);
    }
    await this.requireSupport();
    return this.o.withLock(async () => {
      const key = requestKey(p);
      const existing = await readMirror(this.dir, p.mirrorId);
      if (existing) {
        if (existing.requestKey === key) return existing.result;
        throw new DvsanError(
          'conflict',
          `mirror ${p.mirrorId} already exists with other settings (${existing.name}); remove it first or use another id`,
        );
      }
      const legs = await this.legs(p);
      return this.createNew(p, key, legs);
    });
  }

  /** Both legs attached here, raw, and in no other mirror. */
  private async legs(p: MirrorCreateParams): Promise<[AttachmentRecord, AttachmentRecord]> {
    const found: AttachmentRecord[] = [];
    for (const id of p.legs) {
      const leg = await readRecord(this.o.paths.recordDir, id);
      if (!leg)
        throw new DvsanError(
          'invalid-params',
          `attachment ${id} is not attached on this host: attach both legs (raw) first`,
        );
      if (leg.filesystemType || leg.result.mountPoint)
        throw new DvsanError(
          'invalid-params',
          `attachment ${id} carries a filesystem: mirror legs are attached raw (no filesystem)`,
        );
      found.push(leg);
    }
    const inUse = (await listMirrors(this.dir)).find((m) => m.legs.some((l) => p.legs.includes(l)));
    if (inUse) throw new DvsanError('conflict', `a leg is already part of mirror ${inUse.name}`);
    return [found[0]!, found[1]!];
  }

  private async createNew(
    p: MirrorCreateParams,
    key: string,
    legs: [AttachmentRecord, AttachmentRecord],
  ): Promise<MirrorCreateResult> {
    const { run, paths } = this.o;
    const undo: (() => Promise<unknown>)[] = [];
    try {
      let createdDir: string | null = null;
      if (p.mountPoint) {
        const point = p.mountPoint;
        createdDir = await prepareMountPoint(point);
        undo.push(() => removeCreatedDirs(point, createdDir));
      }
      const legDevices: [string, string] = [legs[0].result.device, legs[1].result.device];
      const device = await this.md.create(p.name, legDevices);
      undo.push(() => this.md.stop(p.name));
      let formatted = false;
      let mountUnit: string | null = null;
      if (p.filesystem) {
        formatted = await formatIfEmpty(run, device, p.filesystem, p.readOnly);
        if (p.mountPoint) {
          const point = p.mountPoint;
          await mountFilesystem(run, p.filesystem.type, device, point, p.readOnly);
          undo.push(() => unmount(run, point, true));
          if (p.persistent && (await this.o.supervisor()) === 'systemd') {
            mountUnit = await installUuidMountUnit(run, paths.unitDir, device, {
              attachmentId: p.mirrorId,
              where: point,
              type: p.filesystem.type,
              readOnly: p.readOnly,
            });
            const unit = mountUnit;
            undo.push(() => removeMountUnit(run, paths.unitDir, unit));
          }
        }
      }
      const result: MirrorCreateResult = {
        mirrorId: p.mirrorId,
        device,
        mountPoint: p.mountPoint ?? null,
        formatted,
        persistent: mountUnit !== null,
      };
      const record: MirrorRecord = {
        mirrorId: p.mirrorId,
        requestKey: key,
        name: p.name,
        legs: p.legs,
        legDevices,
        filesystemType: p.filesystem?.type ?? null,
        readOnly: p.readOnly,
        createdDir,
        mountUnit,
        result,
      };
      await writeMirror(this.dir, record);
      return result;
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
  }

  /** Unmounts and stops the array; the station detaches the legs after. */
  async remove(mirrorId: string, force: boolean): Promise<AgentResult<'mirror.remove'>> {
    return this.o.withLock(async () => {
      const record = await readMirror(this.dir, mirrorId);
      if (!record) return { removed: false, warnings: [] };
      const { run, paths } = this.o;
      const warnings: string[] = [];
      const point = record.result.mountPoint;
      warnings.push(...(await takeDownMount(run, paths.unitDir, record.mountUnit, point, force)));
      if ((await this.md.health(record.name)) !== null) {
        try {
          await this.md.stop(record.name);
        } catch (err) {
          if (!force) throw err;
          warnings.push(`the array ${record.name} could not be stopped: ${(err as Error).message}`);
        }
      }
      if (point) await removeCreatedDirs(point, record.createdDir);
      await removeMirror(this.dir, mirrorId);
      return { removed: true, warnings };
    });
  }

  async list(): Promise<AgentResult<'mirror.list'>> {
    const support = await this.o.support();
    const records = await listMirrors(this.dir);
    return { ...support, mirrors: await Promise.all(records.map((r) => this.status(r))) };
  }

  private async status(record: MirrorRecord): Promise<MirrorStatus> {
    const error = await this.md.check(record.name);
    const lost = await this.md.lostMembers(record.name, record.legDevices);
    const health = await this.md.health(record.name);
    const syncing = health && health.syncAction !== 'idle';
    return {
      mirrorId: record.mirrorId,
      name: record.name,
      device: record.result.device,
      legs: record.legs,
      mountPoint: record.result.mountPoint,
      state: error === null ? 'whole' : health && health.missing > 0 ? 'degraded' : 'failed',
      missingLegs: record.legs.filter((_, i) => lost.includes(record.legDevices[i]!)),
      error,
      resync: syncing ? { action: health.syncAction, percent: health.syncPercent } : null,
    };
  }

  /** What sysfs and the leg records say about a mirror, as the heal decision wants it. */
  private async healPlan(record: MirrorRecord): Promise<HealPlan | null> {
    const health = await this.md.health(record.name);
    const members = await this.md.memberStates(record.name, record.legDevices);
    if (!health || !members) return null;
    const legs = await Promise.all(
      record.legDevices.map(async (device, i) => ({
        device,
        member: members[i] ?? null,
        scsi: await this.md.diskState(device),
        attached:
          (await readRecord(this.o.paths.recordDir, record.legs[i]!))?.result.device === device,
      })),
    );
    return planHeal({ syncAction: health.syncAction, legs });
  }

  /**
   * One healing pass, for the daemon's periodic health check: a mirror with one lost leg whose
   * session is back gets that leg re-added, at most one attempt per mirror per pass, never
   * while a resync runs. Returns what was tried; a failure is an outcome, not a throw.
   */
  async heal(): Promise<HealOutcome[]> {
    const outcomes: HealOutcome[] = [];
    for (const seen of await listMirrors(this.dir)) {
      // Only a mirror that needs it takes the lock; under it everything is read again.
      const first = await this.healPlan(seen);
      if (!first) continue;
      const tried = { mirrorId: seen.mirrorId, name: seen.name, device: first.device };
      const outcome = await this.o
        .withLock(async (): Promise<HealOutcome | null> => {
          const record = await readMirror(this.dir, seen.mirrorId);
          const plan = record && (await this.healPlan(record));
          if (!record || !plan) return null;
          const reads = await this.o.run('dd', readArgs(plan.device), { timeoutMs: 10_000 });
          if (reads.code !== 0)
            return {
              ...tried,
              device: plan.device,
              done: null,
              error: `${plan.device} does not read yet (dd exit ${reads.code}): ${firstLine(reads.stderr)}`,
            };
          return { ...tried, device: plan.device, done: await this.md.heal(record.name, plan) };
        })
        .catch((err: unknown) => ({ ...tried, done: null, error: (err as Error).message }));
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** Ids of mirrors that are not whole, for the heartbeat (bounded by the caller). */
  async degraded(): Promise<string[]> {
    const records = await listMirrors(this.dir);
    if (records.length === 0) return [];
    const states = await Promise.all(records.map((r) => this.status(r)));
    return states.filter((m) => m.state !== 'whole').map((m) => m.mirrorId);
  }
}
