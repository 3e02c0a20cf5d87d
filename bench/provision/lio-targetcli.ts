// The LIO baseline of the provision benchmark: what an admin does by hand on a LIO unit with
// targetcli's one-shot commands (one targetcli process per step), in the same guest as dvsan's
// run. Each export mirrors dvsan's LIO backend on an LVM volume: lvcreate, a block backstore,
// the target (TPG 1), one portal, LUN 1, the host's ACL (mapped LUN 1), CHAP both ways, the
// deny-by-default TPG attributes, saveconfig. Constant POSIX shell scripts run inside the guest;
// values go in as positional arguments only. Operations are timed with /proc/uptime read by the
// shell's own `read` (no fork; 10 ms steps, while one operation takes seconds): busybox `date`
// in the guest has no %N.
import { nodeExec, type LabNode, type LabState } from '../../station/lab/index.js';

/** What one export is made of, and where. */
export interface TargetcliArgs {
  /** The LVM volume group dvsan's volumes went to. */
  vg: string;
  sizeBytes: number;
  /** Target IQNs are <iqnPrefix>.<name>, names tc0001, tc0002, … */
  iqnPrefix: string;
  hostIqn: string;
  portal: string;
  user: string;
  secret: string;
  mutualUser: string;
  mutualSecret: string;
}

const common = String.raw`set -u
from=$1 to=$2 vg=$3 size=$4 prefix=$5 host=$6 portal=$7 user=$8 secret=$9
shift 9
muser=$1 msecret=$2
name() { printf 'tc%04d' "$1"; }
`;

/**
 * One targetcli process per step for exports $1..$2; prints "start <uptime>", "op <i>
 * <uptime>" after each, "end <i>". Exits non-zero at the first failing step.
 */
export const oneShotScript =
  common +
  String.raw`tc() { targetcli "$@" > /dev/null || { echo "targetcli $1 failed" >&2; exit 1; }; }
read up _ < /proc/uptime
echo "start $up"
i=$from
while [ "$i" -le "$to" ]; do
  n=$(name "$i")
  iqn=$prefix.$n
  tpg=/iscsi/$iqn/tpg1
  lvcreate -q --yes -n "$n" -L "$size"b "$vg" > /dev/null || exit 1
  tc /backstores/block create "name=$n" "dev=/dev/$vg/$n"
  tc /iscsi create "$iqn"
  tc "$tpg/portals" create "$portal" 3260
  tc "$tpg/luns" create "/backstores/block/$n" lun=1
  tc "$tpg/acls" create "$host"
  tc "$tpg/acls/$host" set auth "userid=$user" "password=$secret" "mutual_userid=$muser" "mutual_password=$msecret"
  tc "$tpg" set attribute authentication=1 generate_node_acls=0 cache_dynamic_acls=0 demo_mode_write_protect=1
  tc saveconfig
  read up _ < /proc/uptime
  echo "op $i $up"
  i=$((i + 1))
done
echo "end $to"
`;

/**
 * The same exports $1..$2 made by ONE targetcli process reading every step on stdin (it saves
 * once, on exit). Only to bring the guest to N-1 exports before the last one-shot window, so
 * that window runs against the same configfs and saveconfig.json size; not timed per export.
 */
export const fillScript =
  common +
  String.raw`i=$from
while [ "$i" -le "$to" ]; do
  lvcreate -q --yes -n "$(name "$i")" -L "$size"b "$vg" > /dev/null || exit 1
  i=$((i + 1))
done
i=$from
while [ "$i" -le "$to" ]; do
  n=$(name "$i")
  iqn=$prefix.$n
  tpg=/iscsi/$iqn/tpg1
  echo "/backstores/block create name=$n dev=/dev/$vg/$n"
  echo "/iscsi create $iqn"
  echo "$tpg/portals create $portal 3260"
  echo "$tpg/luns create /backstores/block/$n lun=1"
  echo "$tpg/acls create $host"
  echo "$tpg/acls/$host set auth userid=$user password=$secret mutual_userid=$muser mutual_password=$msecret"
  echo "$tpg set attribute authentication=1 generate_node_acls=0 cache_dynamic_acls=0 demo_mode_write_protect=1"
  i=$((i + 1))
done | targetcli > /dev/null || exit 1
`;

/** Takes targetcli's exports $1..$2 away again: clearconfig and their LVM volumes. */
export const clearScript =
  common +
  String.raw`targetcli clearconfig confirm=True > /dev/null || exit 1
i=$from
while [ "$i" -le "$to" ]; do
  lvremove -q -y "$vg/$(name "$i")" > /dev/null || exit 1
  i=$((i + 1))
done
`;

/**
 * The guest's system bus (targetcli asks it for tcmu-runner's backstores at every start) and
 * targetcli's one global difference from dvsan: no 0.0.0.0 portal on a new target.
 */
export const setupScript = String.raw`set -eu
mkdir -p /run/dbus
[ -S /run/dbus/system_bus_socket ] || dbus-daemon --config-file=/etc/dvsan-bench-dbus.conf --fork
targetcli set global auto_add_default_portal=false > /dev/null
targetcli ls > /dev/null
`;

export interface TimedOps {
  /** Operation numbers, in order. */
  ops: number[];
  latenciesMs: number[];
  totalSeconds: number;
}

/** Reads oneShotScript's output: latency of op i = uptime after i − uptime after i−1 (or start). */
export function parseTimedOps(stdout: string, from: number, to: number): TimedOps {
  let start: number | null = null;
  let prev: number | null = null;
  const ops: number[] = [];
  const latenciesMs: number[] = [];
  let ended = false;
  for (const line of stdout.split('\n')) {
    const [kind, a, b] = line.trim().split(' ');
    if (kind === 'start' && a !== undefined) {
      start = prev = Number(a);
    } else if (kind === 'op' && a !== undefined && b !== undefined && prev !== null) {
      const op = Number(a);
      if (op !== from + ops.length) throw new Error(`targetcli baseline: op ${a} out of order`);
      const t = Number(b);
      ops.push(op);
      latenciesMs.push(Math.round((t - prev) * 1000));
      prev = t;
    } else if (kind === 'end') {
      ended = true;
    }
  }
  if (start === null || prev === null || !ended || Number.isNaN(prev))
    throw new Error(`targetcli baseline output incomplete: ${stdout.slice(-300)}`);
  if (ops.length !== to - from + 1)
    throw new Error(`targetcli baseline did ${ops.length} of ${to - from + 1} operations`);
  return { ops, latenciesMs, totalSeconds: prev - start };
}

const argv = (from: number, to: number, a: TargetcliArgs) => [
  String(from),
  String(to),
  a.vg,
  String(a.sizeBytes),
  a.iqnPrefix,
  a.hostIqn,
  a.portal,
  a.user,
  a.secret,
  a.mutualUser,
  a.mutualSecret,
];

async function guestSh(
  lab: LabState,
  unit: LabNode,
  script: string,
  args: string[],
  timeoutMs: number,
  what: string,
): Promise<string> {
  const r = await nodeExec(lab, unit.name, ['sh', '-c', script, 'sh', ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim().slice(-500)}`);
  return r.stdout;
}

export const setupTargetcli = (lab: LabState, unit: LabNode) =>
  guestSh(lab, unit, setupScript, [], 120_000, 'targetcli setup');

export async function runOneShot(
  lab: LabState,
  unit: LabNode,
  from: number,
  to: number,
  a: TargetcliArgs,
  limitSeconds: number,
): Promise<TimedOps> {
  const out = await guestSh(
    lab,
    unit,
    oneShotScript,
    argv(from, to, a),
    limitSeconds * 1000,
    `targetcli one-shot ${from}..${to}`,
  );
  return parseTimedOps(out, from, to);
}

/** Fills exports from..to in one targetcli session; returns the seconds it took. */
export async function fill(
  lab: LabState,
  unit: LabNode,
  from: number,
  to: number,
  a: TargetcliArgs,
  limitSeconds: number,
): Promise<number> {
  const t = performance.now();
  await guestSh(lab, unit, fillScript, argv(from, to, a), limitSeconds * 1000, 'targetcli fill');
  return (performance.now() - t) / 1000;
}

export async function clearTargetcli(
  lab: LabState,
  unit: LabNode,
  from: number,
  to: number,
  a: TargetcliArgs,
): Promise<void> {
  await guestSh(lab, unit, clearScript, argv(from, to, a), 300_000, 'targetcli clear');
}
