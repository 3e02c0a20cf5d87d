// The baselines of the provision benchmark: what an admin does by hand on a tgt unit, as one
// constant POSIX shell script run inside the unit (values only as positional arguments, never
// spliced into the text). Three ways to provision the same export as dvsan makes:
// - tgtadm: truncate, then tgtadm per step (target, LUN 1, CHAP binds, initiator name), and the
//   <target> block appended to a tgt-admin config file so a restart brings it back;
// - tgtadm, durable: the same, with what dvsan guarantees after each operation: the volume file
//   and its directory synced, and the export's own config file written to a temp file, synced,
//   renamed into place and its directory synced (a crash right after never loses it);
// - tgt-admin -e: truncate, append the block, `tgt-admin -e` (adds what tgtd does not have yet);
// - tgt-admin --update ALL: truncate, append the block, `tgt-admin --update ALL`.
// Each operation is timed inside the unit with `date +%s%N` (one fork per operation).
import { nodeExec, type LabState } from '../../station/lab/index.js';

export const baselineModes = ['tgtadm', 'tgtadm-durable', 'admin-e', 'admin-update'] as const;
export type BaselineMode = (typeof baselineModes)[number];

export const baselineLabels: Record<BaselineMode, string> = {
  tgtadm: 'shell + tgtadm per step',
  'tgtadm-durable': 'shell + tgtadm per step, synced',
  'admin-e': 'shell + tgt-admin -e',
  'admin-update': 'shell + tgt-admin --update ALL',
};

/**
 * $1 mode, $2 control port, $3 operations, $4 time budget in seconds, $5 work dir, $6 target
 * IQN prefix, $7 host IQN, $8/$9 host CHAP user/secret, $10/$11 mutual (target) user/secret.
 * Prints "start <ns>", then "op <i> <ns>" per operation, and "end <i>" or "budget <i>".
 */
export const provisionScript = String.raw`set -u
mode=$1 port=$2 count=$3 budget=$4 dir=$5 prefix=$6 host=$7 user=$8 secret=$9
shift 9
muser=$1 msecret=$2
conf=$dir/targets.conf
mkdir -p "$dir/volumes" "$dir/conf.d" || exit 1
: > "$conf" || exit 1
adm() { tgtadm --lld iscsi -C "$port" "$@"; }
block() {
  printf '<target %s>\n    backing-store %s\n    initiator-address 255.255.255.255\n    initiator-name %s\n    incominguser %s %s\n    outgoinguser %s %s\n</target>\n\n' \
    "$iqn" "$file" "$host" "$user" "$secret" "$muser" "$msecret" >> "$1"
}
budget_ns=$((budget * 1000000000))
t0=$(date +%s%N)
echo "start $t0"
prev=$t0
i=1
while [ "$i" -le "$count" ]; do
  file=$dir/volumes/vol-$i.img
  iqn=$prefix.vol-$i
  truncate -s 1M "$file" || exit 1
  case $mode in
  tgtadm | tgtadm-durable)
    if [ "$mode" = tgtadm-durable ]; then sync "$file" "$dir/volumes" || exit 1; fi
    adm --op new --mode target --tid "$i" --targetname "$iqn" || exit 1
    adm --op new --mode logicalunit --tid "$i" --lun 1 -b "$file" || exit 1
    if [ "$i" -eq 1 ]; then
      adm --op new --mode account --user "$user" --password "$secret" || exit 1
      adm --op new --mode account --user "$muser" --password "$msecret" || exit 1
    fi
    adm --op bind --mode account --tid "$i" --user "$user" || exit 1
    adm --op bind --mode account --tid "$i" --user "$muser" --outgoing || exit 1
    adm --op bind --mode target --tid "$i" --initiator-name "$host" || exit 1
    if [ "$mode" = tgtadm ]; then
      block "$conf" || exit 1
    else
      one=$dir/conf.d/$iqn.conf
      : > "$one.tmp" && block "$one.tmp" && sync "$one.tmp" && mv "$one.tmp" "$one" && sync "$dir/conf.d" || exit 1
    fi
    ;;
  admin-e)
    block "$conf" || exit 1
    tgt-admin -C "$port" -c "$conf" -e > /dev/null || exit 1
    ;;
  admin-update)
    block "$conf" || exit 1
    tgt-admin -C "$port" -c "$conf" --update ALL > /dev/null || exit 1
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  t=$(date +%s%N)
  echo "op $i $t"
  prev=$t
  if [ $((t - t0)) -gt "$budget_ns" ] && [ "$i" -lt "$count" ]; then
    echo "budget $i"
    exit 0
  fi
  i=$((i + 1))
done
echo "end $count"
`;

/**
 * Removes every target and the two CHAP accounts from this tgtd, then the work dir.
 * $1 control port, $2 work dir, $3/$4 the accounts. Bounded: three passes at most.
 */
export const cleanScript = String.raw`set -u
port=$1 dir=$2
shift 2
adm() { tgtadm --lld iscsi -C "$port" "$@"; }
pass=0
while :; do
  tids=$(adm --op show --mode target | sed -n 's/^Target \([0-9][0-9]*\): .*/\1/p')
  [ -z "$tids" ] && break
  pass=$((pass + 1))
  if [ "$pass" -gt 3 ]; then echo "targets left: $tids" >&2; exit 1; fi
  for t in $tids; do adm --op delete --mode target --tid "$t" --force || exit 1; done
done
for u in "$@"; do
  if adm --op show --mode account | grep -qx "[[:space:]]*$u"; then
    adm --op delete --mode account --user "$u" || exit 1
  fi
done
rm -rf "$dir"
`;

export interface BaselineArgs {
  mode: BaselineMode;
  controlPort: number;
  count: number;
  budgetSeconds: number;
  dir: string;
  iqnPrefix: string;
  hostIqn: string;
  user: string;
  secret: string;
  mutualUser: string;
  mutualSecret: string;
}

export interface BaselineRun {
  /** Per-operation latency in ms, operation i at index i-1. */
  latenciesMs: number[];
  totalSeconds: number;
  stoppedByBudget: boolean;
}

/** Reads the script's output: latency i = time after op i - time after op i-1 (or start). */
export function parseBaselineOutput(stdout: string, count: number): BaselineRun {
  let start: bigint | null = null;
  let prev: bigint | null = null;
  const latenciesMs: number[] = [];
  let stoppedByBudget = false;
  let ended = false;
  for (const line of stdout.split('\n')) {
    const [kind, a, b] = line.trim().split(' ');
    if (kind === 'start' && a) {
      start = prev = BigInt(a);
    } else if (kind === 'op' && a && b && prev !== null) {
      if (Number(a) !== latenciesMs.length + 1) throw new Error(`baseline: op ${a} out of order`);
      const t = BigInt(b);
      latenciesMs.push(Number(t - prev) / 1e6);
      prev = t;
    } else if (kind === 'budget') {
      stoppedByBudget = true;
      ended = true;
    } else if (kind === 'end') {
      ended = true;
    }
  }
  if (start === null || prev === null || !ended)
    throw new Error(`baseline output incomplete: ${stdout.slice(-300)}`);
  if (!stoppedByBudget && latenciesMs.length !== count)
    throw new Error(`baseline did ${latenciesMs.length} of ${count} operations`);
  return { latenciesMs, totalSeconds: Number(prev - start) / 1e9, stoppedByBudget };
}

export async function runBaseline(
  lab: LabState,
  unit: string,
  a: BaselineArgs,
): Promise<BaselineRun> {
  const argv = [
    a.mode,
    String(a.controlPort),
    String(a.count),
    String(a.budgetSeconds),
    a.dir,
    a.iqnPrefix,
    a.hostIqn,
    a.user,
    a.secret,
    a.mutualUser,
    a.mutualSecret,
  ];
  const r = await nodeExec(lab, unit, ['sh', '-c', provisionScript, 'sh', ...argv], {
    timeoutMs: (a.budgetSeconds + 300) * 1000,
  });
  if (r.code !== 0)
    throw new Error(`baseline ${a.mode} exited ${r.code}: ${r.stderr.trim().slice(-500)}`);
  return parseBaselineOutput(r.stdout, a.count);
}

export async function cleanBaseline(
  lab: LabState,
  unit: string,
  controlPort: number,
  dir: string,
  users: string[],
): Promise<void> {
  const r = await nodeExec(
    lab,
    unit,
    ['sh', '-c', cleanScript, 'sh', String(controlPort), dir, ...users],
    { timeoutMs: 300_000 },
  );
  if (r.code !== 0) throw new Error(`baseline cleanup exited ${r.code}: ${r.stderr.trim()}`);
}

/** The tgtd's targets and accounts as tgtadm shows them (to check the unit is clean). */
export async function tgtCounts(
  lab: LabState,
  unit: string,
  controlPort: number,
): Promise<{ targets: number; accounts: number }> {
  const show = async (mode: string) => {
    const r = await nodeExec(lab, unit, [
      'tgtadm',
      '--lld',
      'iscsi',
      '-C',
      String(controlPort),
      '--op',
      'show',
      '--mode',
      mode,
    ]);
    if (r.code !== 0) throw new Error(`tgtadm show ${mode} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const targets = (await show('target')).split('\n').filter((l) => /^Target \d+: /.test(l)).length;
  // "Account list:" and then one indented user per line.
  const accounts = (await show('account'))
    .split('\n')
    .filter((l) => /^\s+\S/.test(l) && !/^Account list:/.test(l)).length;
  return { targets, accounts };
}
