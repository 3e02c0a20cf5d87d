// Attaching a target by hand in a lab host with the userspace initiator dvsan's agent uses:
// qemu-storage-daemon (iSCSI in, FUSE export out) and a loop device on the FUSE file. The
// CHAP secret goes to qsd in a 0600 file, never in argv.
import { nodeExec, type LabState } from '../../station/lab/index.js';
import type { UndoStack } from '../common/run.js';

export interface HandTarget {
  iqn: string;
  portal: { address: string; port: number };
  lun: number;
  initiatorIqn: string;
  chap: { user: string; secret: string } | null;
}

export interface HandAttachment {
  host: string;
  device: string;
  pid: number;
  dir: string;
  /** Detaches now (loop, qsd, files); also registered on the run's undo stack. */
  detach: () => Promise<void>;
}

/** Per-attachment files live in the host's private /run/dvsan. */
export const handDir = (id: string) => `/run/dvsan/bench-io/${id}`;

/**
 * qsd's argv for one target, with the options the agent's userspace initiator gives it
 * (agents/initiators/userspace.ts): the iSCSI block driver with CHAP from a secret file,
 * exported writable over FUSE. The bench checks the running daemons' argv are the same.
 */
export function qsdArgv(t: HandTarget, dir: string): string[] {
  const blockdev = [
    'driver=iscsi',
    'node-name=lun',
    'transport=tcp',
    `portal=${t.portal.address}:${t.portal.port}`,
    `target=${t.iqn}`,
    `lun=${t.lun}`,
    `initiator-name=${t.initiatorIqn}`,
    ...(t.chap ? [`user=${t.chap.user}`, 'password-secret=chap'] : []),
  ].join(',');
  return [
    'qemu-storage-daemon',
    '--pidfile',
    `${dir}/qsd.pid`,
    ...(t.chap ? ['--object', `secret,id=chap,file=${dir}/chap-secret`] : []),
    '--blockdev',
    blockdev,
    '--export',
    `type=fuse,id=disk,node-name=lun,mountpoint=${dir}/disk,writable=on`,
  ];
}

/** As the agent does: a plain loop device over the FUSE file. */
export const losetupArgv = (dir: string) => ['losetup', '--find', '--show', `${dir}/disk`];

/**
 * Starts qsd in a session of its own, in the background with its output in a log file (as the
 * agent does, so its argv stays exactly the agent's), and waits up to 20 s for the FUSE file.
 */
const startScript = String.raw`set -u
dir=$1
shift
setsid "$@" > "$dir/qsd.log" 2>&1 < /dev/null &
i=0
while [ "$i" -lt 200 ]; do
  if grep -q " $dir/disk fuse" /proc/self/mounts; then exit 0; fi
  if ! kill -0 $! 2>/dev/null; then break; fi
  sleep 0.1
  i=$((i + 1))
done
cat "$dir/qsd.log" >&2
exit 1
`;

async function must(lab: LabState, host: string, argv: string[], input?: string): Promise<string> {
  const r = await nodeExec(lab, host, argv, { timeoutMs: 60_000, ...(input ? { input } : {}) });
  if (r.code !== 0)
    throw new Error(`${argv[0]} on ${host} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout.trim();
}

/** Stops qsd (TERM, then KILL after 10 s), unmounts a FUSE file it left, removes the files. */
async function teardown(lab: LabState, host: string, dir: string, device: string | null) {
  if (device) {
    const r = await nodeExec(lab, host, ['losetup', '-d', device], { timeoutMs: 60_000 });
    // Already freed: it was marked autoclear (see context.ts) and its last user closed it.
    if (r.code !== 0 && !/No such device/i.test(r.stderr))
      throw new Error(`losetup -d ${device} on ${host} exited ${r.code}: ${r.stderr.trim()}`);
  }
  const script = String.raw`set -u
dir=$1
pid=$(cat "$dir/qsd.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$pid" 2>/dev/null || true
fi
if grep -q " $dir/disk " /proc/self/mounts; then umount -l "$dir/disk"; fi
rm -rf "$dir"
`;
  await must(lab, host, ['sh', '-c', script, 'sh', dir]);
}

export async function attachByHand(
  lab: LabState,
  host: string,
  id: string,
  t: HandTarget,
  undo: UndoStack,
): Promise<HandAttachment> {
  const dir = handDir(id);
  await must(lab, host, ['mkdir', '-p', '-m', '0700', dir]);
  let device: string | null = null;
  const detach = undo.push(`hand attachment ${id} on ${host}`, () =>
    teardown(lab, host, dir, device),
  );
  try {
    if (t.chap)
      await must(
        lab,
        host,
        ['sh', '-c', 'umask 077 && cat > "$1"', 'sh', `${dir}/chap-secret`],
        t.chap.secret,
      );
    await must(lab, host, ['touch', `${dir}/disk`]);
    await must(lab, host, ['sh', '-c', startScript, 'sh', dir, ...qsdArgv(t, dir)]);
    const pid = Number(await must(lab, host, ['cat', `${dir}/qsd.pid`]));
    const loop = await must(lab, host, losetupArgv(dir));
    if (!/^\/dev\/loop\d+$/.test(loop)) throw new Error(`losetup answered ${loop}`);
    device = loop;
    return { host, device: loop, pid, dir, detach };
  } catch (e) {
    await detach();
    throw e;
  }
}
