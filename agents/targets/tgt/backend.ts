import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { defaultRunDir } from '../../daemon/paths.js';
import type { Log } from '../../log.js';
import type { TargetBackend, TargetInfo } from '../index.js';
import { assertIqn } from '../iqn.js';
import { FlockLock, type TargetLock } from '../lock.js';
import {
  probeBacking,
  validateExportSpec,
  type BackingPolicy,
  type ChapCredentials,
  type ExportSpec,
  type ProbeBacking,
} from '../spec.js';
import { defaultConfigPath, readConfig, writeConfig, type TgtExportRecord } from './config.js';
import { planEnsure, planRemove, type LiveState, type Step } from './plan.js';
import { parseAccounts, parsePortals, parseTargets, type TgtTarget } from './show.js';
import { Tgtadm, type TgtadmOptions } from './tgtadm.js';

export interface TgtBackendOptions {
  /** Where backing files and devices may live. */
  backing: BackingPolicy;
  /** The tgtd to drive: a ready Tgtadm, or the options to make one. */
  tgtadm: Tgtadm | TgtadmOptions;
  /** dvsan's file for tgt-admin (default /etc/tgt/conf.d/dvsan.conf). */
  configPath?: string;
  /** Default: flock on <run dir>/tgt-<control port>.lock, one sequence at a time per tgtd. */
  lock?: TargetLock;
  /** Where the default lock lives (default /run/dvsan). */
  runDir?: string;
  probe?: ProbeBacking;
  log?: Log;
}

const noLog: Log = () => undefined;

/** The lock file for one tgtd: agents started for the same tgtd wait for each other. */
export function tgtLockPath(runDir: string, controlPort: number): string {
  return path.join(runDir, `tgt-${controlPort}.lock`);
}

/** CHAP fields in one order, so a record compares equal to the same record read back. */
function canonicalChap(chap: ChapCredentials | null): ChapCredentials | null {
  if (!chap) return null;
  const { user, secret, mutualUser, mutualSecret } = chap;
  return mutualUser !== undefined && mutualSecret !== undefined
    ? { user, secret, mutualUser, mutualSecret }
    : { user, secret };
}

const sameRecord = (a: TgtExportRecord | undefined, b: TgtExportRecord): boolean =>
  a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * The tgt target backend: one tgtd (user-space target daemon), driven through tgtadm on its
 * control port. Each export is one target with LUN 1 on the backing, initiator-name rules for
 * its ACLs and nothing else, and CHAP accounts bound to it. Changes run one sequence at a time
 * under a lock, and each one that changes something ends with dvsan.conf rewritten, so a
 * restarted tgtd gets the same exports back from tgt-admin.
 */
export class TgtBackend implements TargetBackend {
  readonly kind = 'tgt' as const;
  readonly tgtadm: Tgtadm;
  private readonly configPath: string;
  private readonly lock: TargetLock;
  private readonly runDir: string;
  private readonly probe: ProbeBacking;
  private readonly log: Log;

  constructor(private readonly options: TgtBackendOptions) {
    this.log = options.log ?? noLog;
    this.tgtadm =
      options.tgtadm instanceof Tgtadm
        ? options.tgtadm
        : new Tgtadm({ log: this.log, ...options.tgtadm });
    this.configPath = options.configPath ?? defaultConfigPath;
    this.runDir = options.runDir ?? defaultRunDir;
    this.lock =
      options.lock ?? new FlockLock({ path: tgtLockPath(this.runDir, this.tgtadm.controlPort) });
    this.probe = options.probe ?? probeBacking;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.options.lock) await mkdir(this.runDir, { recursive: true, mode: 0o755 });
    return this.lock.withLock(fn);
  }

  /** What tgtd has now. Portals only when asked: only ensure needs them. */
  async readLive(withPortals: boolean): Promise<LiveState> {
    const targets = parseTargets(await this.tgtadm.exec(['--op', 'show', '--mode', 'target']));
    const accounts = parseAccounts(await this.tgtadm.exec(['--op', 'show', '--mode', 'account']));
    const portals = withPortals
      ? parsePortals(await this.tgtadm.exec(['--op', 'show', '--mode', 'portal']))
      : [];
    return { targets, accounts, portals };
  }

  private async runSteps(steps: readonly Step[]): Promise<void> {
    for (const step of steps) await this.tgtadm.exec(step);
  }

  async listTargets(): Promise<TargetInfo[]> {
    const [live, records] = await Promise.all([this.readLive(true), readConfig(this.configPath)]);
    const byIqn = new Map(records.map((r) => [r.iqn, r]));
    const portals = live.portals.map((p) => ({ address: p.address, port: p.port }));
    return Promise.all(live.targets.map((t) => this.describe(t, byIqn.get(t.iqn), portals)));
  }

  private async describe(
    t: TgtTarget,
    record: TgtExportRecord | undefined,
    portals: TargetInfo['portals'],
  ): Promise<TargetInfo> {
    const luns = await Promise.all(
      t.luns
        .filter((l) => l.lun !== 0)
        .map(async (l) => {
          const found = l.backingPath ? await this.probe(l.backingPath).catch(() => null) : null;
          const kind = found?.type;
          const backing =
            l.backingPath && (kind === 'file' || kind === 'block')
              ? { kind, path: l.backingPath, sizeBytes: found?.sizeBytes ?? 0 }
              : null;
          return { index: l.lun, backing };
        }),
    );
    const mappedLuns = luns.map((l) => l.index);
    const acls = t.initiatorNames.map((initiatorIqn) => {
      const chap = record?.acls.find((a) => a.initiatorIqn === initiatorIqn)?.chap;
      // Accounts belong to the target in tgt; the file says which one is whose. For a target
      // dvsan did not make, the first incoming account stands for all.
      const chapUser = record
        ? chap && t.incomingUsers.includes(chap.user)
          ? chap.user
          : null
        : (t.incomingUsers[0] ?? null);
      const mutual = record
        ? chapUser !== null && !!chap?.mutualUser && chap.mutualUser === t.outgoingUser
        : chapUser !== null && t.outgoingUser !== null;
      return { initiatorIqn, chapUser, mutual, mappedLuns };
    });
    return { iqn: t.iqn, enabled: t.state === 'ready', luns, acls, portals };
  }

  async ensureExport(input: ExportSpec): Promise<void> {
    const spec = await validateExportSpec(input, this.options.backing, this.probe);
    await this.locked(async () => {
      const records = await readConfig(this.configPath);
      const live = await this.readLive(true);
      const plan = planEnsure(live, records, spec);
      const record: TgtExportRecord = {
        iqn: spec.iqn,
        backing: spec.backing.path,
        acls: spec.acls.map((a) => ({ initiatorIqn: a.initiatorIqn, chap: canonicalChap(a.chap) })),
      };
      const previous = records.find((r) => r.iqn === spec.iqn);
      if (plan.steps.length === 0 && sameRecord(previous, record)) return;
      this.log('info', 'tgt export', { iqn: spec.iqn, tid: plan.tid, steps: plan.steps.length });
      await this.runSteps(plan.steps);
      // The record is written only once tgtd has all of it: the file never promises an export
      // (or a secret) that tgtd refused. A half-made target is finished by the next ensure.
      const next = previous
        ? records.map((r) => (r.iqn === spec.iqn ? record : r))
        : [...records, record];
      await writeConfig(next, this.configPath);
    });
  }

  async removeExport(iqn: string): Promise<void> {
    assertIqn(iqn, 'target IQN');
    await this.locked(async () => {
      const records = await readConfig(this.configPath);
      const live = await this.readLive(false);
      const steps = planRemove(live, iqn);
      const next = records.filter((r) => r.iqn !== iqn);
      if (steps.length === 0 && next.length === records.length) return;
      this.log('info', 'tgt unexport', { iqn, steps: steps.length });
      // The record goes first: if tgtd fails half-way, a restart must not bring it back.
      if (next.length !== records.length) await writeConfig(next, this.configPath);
      await this.runSteps(steps);
    });
  }
}
