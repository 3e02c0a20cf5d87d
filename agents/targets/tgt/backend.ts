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
import { applyStep } from './apply.js';
import { TgtConfigDir, defaultConfigDir } from './conf-dir.js';
import type { TgtExportRecord } from './config.js';
import { planEnsure, planRemove, type LiveState, type Step } from './plan.js';
import { parseAccounts, parsePortals, parseTargets, type TgtTarget } from './show.js';
import {
  TgtGeneration,
  socketInstance,
  tgtGenerationPath,
  tgtdSocketPath,
  type TgtdInstance,
} from './stamp.js';
import { Tgtadm, TgtadmError, type TgtadmOptions } from './tgtadm.js';

export interface TgtBackendOptions {
  /** Where backing files and devices may live. */
  backing: BackingPolicy;
  /** The tgtd to drive: a ready Tgtadm, or the options to make one. */
  tgtadm: Tgtadm | TgtadmOptions;
  /** Where each export's file for tgt-admin goes (default /etc/tgt/conf.d). */
  configDir?: string;
  /** Default: flock on <run dir>/tgt-<control port>.lock, one sequence at a time per tgtd. */
  lock?: TargetLock;
  /** Where the default lock and the generation file live (default /run/dvsan). */
  runDir?: string;
  /** Which tgtd answers (default: its management socket's identity). */
  instance?: TgtdInstance;
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

/** What the backend holds of tgtd and of conf.d, and under which instance and generation. */
interface View {
  live: LiveState;
  records: Map<string, TgtExportRecord>;
  instance: string | null;
  generation: string | null;
}

/** One change: its plan from a view (null: nothing to do), and what to do around its steps. */
interface Change {
  /** Whether a kept view must be read again first. */
  fresh?(view: View): boolean;
  plan(view: View): Step[] | null;
  before?(view: View): Promise<void>;
  after?(view: View): Promise<void>;
}

/**
 * The tgt target backend: one tgtd (user-space target daemon), driven through tgtadm on its
 * control port. Each export is one target with LUN 1 on the backing, initiator-name rules for
 * its ACLs and nothing else, and CHAP accounts bound to it. Changes run one sequence at a time
 * under a lock, and each one that changes something ends with the export's file in conf.d
 * written, so a restarted tgtd gets the same exports back from tgt-admin.
 *
 * tgt cannot show one target with its LUNs and ACLs, only all of them, so the backend keeps
 * its view of tgtd (targets, accounts, portals) and of conf.d between calls and updates it with
 * each step that succeeds. The view is read again when tgtd is another instance or another
 * agent process changed something (stamp.ts), and when a step fails against it: then the
 * change is planned once more from what tgtd really has.
 */
export class TgtBackend implements TargetBackend {
  readonly kind = 'tgt' as const;
  readonly tgtadm: Tgtadm;
  private readonly configDir: TgtConfigDir;
  private readonly lock: TargetLock;
  private readonly runDir: string;
  private readonly probe: ProbeBacking;
  private readonly log: Log;
  private readonly instance: TgtdInstance;
  private readonly generation: TgtGeneration;
  private view: View | null = null;

  constructor(private readonly options: TgtBackendOptions) {
    this.log = options.log ?? noLog;
    this.tgtadm =
      options.tgtadm instanceof Tgtadm
        ? options.tgtadm
        : new Tgtadm({ log: this.log, ...options.tgtadm });
    this.configDir = new TgtConfigDir(options.configDir ?? defaultConfigDir);
    this.runDir = options.runDir ?? defaultRunDir;
    const port = this.tgtadm.controlPort;
    this.lock = options.lock ?? new FlockLock({ path: tgtLockPath(this.runDir, port) });
    this.instance = options.instance ?? socketInstance(tgtdSocketPath(port));
    this.generation = new TgtGeneration(tgtGenerationPath(this.runDir, port));
    this.probe = options.probe ?? probeBacking;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.runDir, { recursive: true, mode: 0o755 });
    return this.lock.withLock(async () => {
      try {
        await this.configDir.migrate();
        return await fn();
      } catch (err) {
        // Whatever failed half-way, the view may no longer match tgtd or conf.d.
        this.view = null;
        throw err;
      }
    });
  }

  /** What tgtd has now: every target, account and portal. */
  async readLive(): Promise<LiveState> {
    const targets = parseTargets(await this.tgtadm.exec(['--op', 'show', '--mode', 'target']));
    const accounts = parseAccounts(await this.tgtadm.exec(['--op', 'show', '--mode', 'account']));
    const portals = parsePortals(await this.tgtadm.exec(['--op', 'show', '--mode', 'portal']));
    return { targets, accounts, portals };
  }

  /** Whether the kept view still holds: same tgtd instance, same generation. */
  private async trusted(): Promise<View | null> {
    const view = this.view;
    if (!view || view.instance === null) return null;
    const [instance, generation] = await Promise.all([this.instance(), this.generation.read()]);
    return instance === view.instance && generation === view.generation ? view : null;
  }

  /** Reads tgtd and conf.d whole. Under the lock, so no writer is half-way through. */
  private async reload(): Promise<View> {
    const [instance, generation] = await Promise.all([this.instance(), this.generation.read()]);
    const [live, records] = await Promise.all([this.readLive(), this.configDir.readAll()]);
    const view: View = {
      live,
      records: new Map(records.map((r) => [r.iqn, r])),
      instance,
      generation,
    };
    this.view = instance === null ? null : view;
    return view;
  }

  /** The view to answer a question from: the kept one while it holds, else read again. */
  private async current(): Promise<View> {
    return (await this.trusted()) ?? this.locked(() => this.reload());
  }

  /**
   * Runs `change.plan` on a view and its steps against tgtd, keeping the view current step by
   * step, with `before` and `after` around the steps. When a step fails on a kept view, tgtd is
   * read again and the change planned once more from that.
   */
  private async change(change: Change): Promise<void> {
    const trusted = await this.trusted();
    const kept = trusted && !change.fresh?.(trusted) ? trusted : null;
    let view = kept ?? (await this.reload());
    for (let fresh = kept === null; ; fresh = true) {
      const steps = change.plan(view);
      if (steps === null) return;
      try {
        await this.run(view, steps, change);
        return;
      } catch (err) {
        if (fresh || !(err instanceof TgtadmError)) throw err;
        this.log('info', 'tgt view out of date; reading tgtd again', { code: err.exitCode });
        view = await this.reload();
      }
    }
  }

  private async run(view: View, steps: readonly Step[], change: Change): Promise<void> {
    // Other agent processes must not trust their views once this one starts changing things.
    view.generation = await this.generation.bump();
    this.view = view.instance === null ? null : view;
    await change.before?.(view);
    for (const step of steps) {
      await this.tgtadm.exec(step);
      if (!applyStep(view.live, step)) this.view = null;
    }
    await change.after?.(view);
  }

  async listTargets(): Promise<TargetInfo[]> {
    // A full listing reads tgtd and conf.d whole, and renews the view with what it read.
    const view = await this.locked(() => this.reload());
    return Promise.all(view.live.targets.map((t) => this.describe(view, t)));
  }

  /** One target as the view has it, its LUNs' backings looked at now; null when there is none. */
  async describeTarget(iqn: string): Promise<TargetInfo | null> {
    const view = await this.current();
    const target = view.live.targets.find((t) => t.iqn === iqn);
    return target ? this.describe(view, target) : null;
  }

  async exportedBackings(): Promise<Set<string>> {
    const view = await this.current();
    const paths = new Set<string>();
    for (const t of view.live.targets) {
      for (const l of t.luns) if (l.lun !== 0 && l.backingPath) paths.add(l.backingPath);
    }
    return paths;
  }

  private async describe(view: View, t: TgtTarget): Promise<TargetInfo> {
    const record = view.records.get(t.iqn);
    const portals = view.live.portals.map((p) => ({ address: p.address, port: p.port }));
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
    const record: TgtExportRecord = {
      iqn: spec.iqn,
      backing: spec.backing.path,
      acls: spec.acls.map((a) => ({ initiatorIqn: a.initiatorIqn, chap: canonicalChap(a.chap) })),
    };
    await this.locked(() =>
      this.change({
        // A target tgtd already has is read afresh before it is changed, so an ensure still
        // tightens what was loosened by hand (an address rule, a foreign initiator). A new one
        // is planned from the kept view: if tgtd disagrees, the step fails and it is re-planned.
        fresh: (view) => view.live.targets.some((t) => t.iqn === spec.iqn),
        plan: (view) => {
          const plan = planEnsure(view.live, [...view.records.values()], spec);
          if (plan.steps.length === 0 && sameRecord(view.records.get(spec.iqn), record))
            return null;
          this.log('info', 'tgt export', {
            iqn: spec.iqn,
            tid: plan.tid,
            steps: plan.steps.length,
          });
          return plan.steps;
        },
        // The file is written only once tgtd has all of it: it never promises an export (or a
        // secret) that tgtd refused. A half-made target is finished by the next ensure.
        after: async (view) => {
          if (sameRecord(view.records.get(spec.iqn), record)) return;
          await this.configDir.write(record);
          view.records.set(spec.iqn, record);
        },
      }),
    );
  }

  async removeExport(iqn: string): Promise<void> {
    assertIqn(iqn, 'target IQN');
    await this.locked(() =>
      this.change({
        // A target the kept view does not have is looked for in tgtd itself before the remove
        // is called done: it may have been made by hand (or restored by tgt-admin) meanwhile.
        fresh: (view) => !view.live.targets.some((t) => t.iqn === iqn),
        plan: (view) => {
          const steps = planRemove(view.live, iqn);
          if (steps.length === 0 && !view.records.has(iqn)) return null;
          this.log('info', 'tgt unexport', { iqn, steps: steps.length });
          return steps;
        },
        // The file goes first: if tgtd fails half-way, a restart must not bring it back.
        before: async (view) => {
          if (view.records.has(iqn)) await this.configDir.remove(iqn);
          view.records.delete(iqn);
        },
      }),
    );
  }
}
