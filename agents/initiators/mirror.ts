// md RAID1 on a host: one mirrored device over two attached volumes from two different units,
// the building block for recovery with spare units. mdadm runs with argv arrays through the
// injected runner; the array's health is read from sysfs, never from mdadm's human text.
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { firstLine } from '../volumes/command.js';
import type { Run } from './command.js';
import {
  addArgs,
  arrayUuidOf,
  isLost,
  memberDir,
  reAddArgs,
  removeArgs,
  syncPercent,
  type HealPlan,
} from './mirror-heal.js';
import { mirrorNameSchema } from '../../protocol/mirrors.js';

/** Members are block devices the initiator attached: /dev/sdX, /dev/loopN, by-path links. */
const memberPattern = /^\/dev\/[A-Za-z0-9._:+@/-]+$/;

export function checkMirrorName(name: string): string {
  // Names become /dev/md/<name>, so they stay plain (the protocol's rule).
  if (!mirrorNameSchema.safeParse(name).success)
    throw new DvsanError(
      'invalid-params',
      `mirror name ${JSON.stringify(name.slice(0, 40))} is invalid: use 1-32 lowercase letters, digits and dashes`,
    );
  return name;
}

function checkMembers(members: readonly string[]): readonly string[] {
  if (members.length !== 2 || members[0] === members[1])
    throw new DvsanError('invalid-params', 'a mirror needs exactly two different devices');
  for (const m of members)
    if (!memberPattern.test(m) || path.normalize(m) !== m)
      throw new DvsanError(
        'invalid-params',
        `mirror member ${JSON.stringify(m)} is not a device path`,
      );
  return members;
}

export const mirrorDevice = (name: string) => `/dev/md/${checkMirrorName(name)}`;

/** mdadm --create's argv: RAID1, two members, no questions (nobody is there to answer). */
export function createArgs(name: string, members: readonly string[]): string[] {
  return [
    '--create',
    mirrorDevice(name),
    '--run',
    '--level=1',
    '--raid-devices=2',
    '--metadata=1.2',
    // A write-intent bitmap: a member that comes back resyncs only what changed meanwhile.
    '--bitmap=internal',
    ...checkMembers(members),
  ];
}

export interface MirrorHealth {
  /** md's array_state: clean, active, degraded is separate (see `missing`). */
  state: string;
  /** Members md has lost (sysfs `md/degraded`); 0 when both are in sync or resyncing. */
  missing: number;
  /** Resync or recovery in progress ("idle" when none). */
  syncAction: string;
  /** How far that resync or recovery is, in percent; null when none runs. */
  syncPercent: number | null;
}

/** What a health check says about a mirror: null when it is whole. */
export function describeHealth(
  name: string,
  h: Pick<MirrorHealth, 'state' | 'missing' | 'syncAction'>,
): string | null {
  if (h.missing > 0)
    return `mirror ${name} is degraded: ${h.missing} of 2 members missing (state ${h.state})`;
  if (h.state === 'inactive' || h.state === 'clear')
    return `mirror ${name} is not running (state ${h.state})`;
  return null;
}

export interface MirrorFs {
  read(file: string): Promise<string | null>;
  realpath(file: string): Promise<string>;
}

export class MdMirror {
  constructor(
    private readonly run: Run,
    private readonly fs: MirrorFs,
  ) {}

  private async mdadm(args: string[], what: string): Promise<void> {
    const r = await this.tryMdadm(args);
    if (r.code !== 0)
      throw new DvsanError(
        'agent-error',
        `mdadm ${what} failed (exit ${r.code}): ${firstLine(r.stderr)}`,
      );
  }

  /** mdadm's result, for callers that handle a refusal themselves; a missing mdadm throws. */
  private async tryMdadm(args: string[]) {
    const r = await this.run('mdadm', args, { timeoutMs: 60_000 });
    if (r.code === 127)
      throw new DvsanError(
        'agent-error',
        'mdadm is not installed: install the Debian package mdadm',
        {
          packages: ['mdadm'],
        },
      );
    return r;
  }

  /** Creates the mirror over two attached devices; returns its device (/dev/md/<name>). */
  async create(name: string, members: readonly string[]): Promise<string> {
    await this.mdadm(createArgs(name, members), `--create ${name}`);
    return mirrorDevice(name);
  }

  async stop(name: string): Promise<void> {
    await this.mdadm(['--stop', mirrorDevice(name)], `--stop ${name}`);
  }

  /** The array's state from sysfs (/sys/block/mdN/md/...). */
  async health(name: string): Promise<MirrorHealth | null> {
    const real = await this.fs.realpath(mirrorDevice(name)).catch(() => null);
    if (!real) return null;
    const md = `/sys/block/${path.basename(real)}/md`;
    const [state, degraded, sync, completed] = await Promise.all(
      ['array_state', 'degraded', 'sync_action', 'sync_completed'].map((f) =>
        this.fs.read(`${md}/${f}`),
      ),
    );
    if (state === null || state === undefined) return null;
    const syncAction = sync?.trim() ?? 'idle';
    return {
      state: state.trim(),
      missing: Number(degraded?.trim() ?? '0') || 0,
      syncAction,
      syncPercent: syncAction === 'idle' ? null : syncPercent(completed ?? null),
    };
  }

  /**
   * md's state of each of `devices` as a member (its md/dev-<name>/state: "in_sync", "faulty"),
   * null for a device md no longer lists; null as a whole when the array is not running.
   */
  async memberStates(name: string, devices: readonly string[]): Promise<(string | null)[] | null> {
    const real = await this.fs.realpath(mirrorDevice(name)).catch(() => null);
    if (!real) return null;
    const md = `/sys/block/${path.basename(real)}/md`;
    const states = await Promise.all(
      devices.map((d) => this.fs.read(`${md}/${memberDir(d)}/state`)),
    );
    return states.map((s) => s?.trim() ?? null);
  }

  /** The SCSI disk's state under `device` ("running" once its session is back); null if none. */
  async diskState(device: string): Promise<string | null> {
    const state = await this.fs.read(`/sys/class/block/${path.basename(device)}/device/state`);
    return state?.trim() ?? null;
  }

  /**
   * Puts a lost leg back: out of the array while md still lists it as faulty, then re-added;
   * when md refuses the re-add, added as a new member that is copied whole.
   */
  async heal(name: string, plan: HealPlan): Promise<'re-added' | 'added'> {
    const array = mirrorDevice(name);
    if (plan.remove) await this.mdadm(removeArgs(array, plan.device), `--remove ${plan.device}`);
    if ((await this.tryMdadm(reAddArgs(array, plan.device))).code === 0) return 're-added';
    // The full copy overwrites the device: only when its superblock says it was this array's
    // member, never a disk that took the lost leg's name after a fresh login.
    const own = arrayUuidOf((await this.tryMdadm(['--detail', '--export', array])).stdout);
    const its = arrayUuidOf((await this.tryMdadm(['--examine', '--export', plan.device])).stdout);
    if (own === null || own !== its)
      throw new DvsanError(
        'agent-error',
        `md refused to re-add ${plan.device} to ${array}, and ${plan.device} does not carry this mirror's superblock: not overwriting it; check which disk it is and add the leg by hand`,
      );
    for (const args of addArgs(array, plan.device)) await this.mdadm(args, args.join(' '));
    return 'added';
  }

  /**
   * Of `devices` (e.g. /dev/sdb), those md no longer counts as working members: marked faulty,
   * or removed from the array. Empty when the array itself is gone (see `check`).
   */
  async lostMembers(name: string, devices: readonly string[]): Promise<string[]> {
    const states = await this.memberStates(name, devices);
    return states ? devices.filter((_, i) => isLost(states[i] ?? null)) : [];
  }

  /** Null when the mirror is whole; otherwise why not, in words. */
  async check(name: string): Promise<string | null> {
    const h = await this.health(name);
    return h ? describeHealth(name, h) : `mirror ${name} is gone (${mirrorDevice(name)} missing)`;
  }
}
