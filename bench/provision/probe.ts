// Where a provision operation's time goes at a given number of exports on the unit, measured
// piece by piece without changing dvsan: tgtadm's show commands timed inside the unit, and the
// functions the agent and the station run on every operation timed here on the unit's real
// data (the show text, the export files in conf.d, the volume files, seen through the lab's
// node directory). `perOperation` says how often one create+export runs each piece (read from
// the code); pieces that run 0 times are the ones a full read of tgtd costs, for reference.
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncDir } from '../../agents/common/atomic-file.js';
import { TgtConfigDir } from '../../agents/targets/tgt/conf-dir.js';
import { parseConfig } from '../../agents/targets/tgt/config.js';
import { parseAccounts, parsePortals, parseTargets } from '../../agents/targets/tgt/show.js';
import { probeBacking } from '../../agents/targets/spec.js';
import { listFileVolumes } from '../../agents/storage/index.js';
import { storageInventorySchema, type StationClient } from '../../protocol/index.js';
import { nodeExec, type LabNode, type LabState } from '../../station/lab/index.js';
import { timeCall } from './dvsan.js';

/** $1 control port, $2 repeats: times each show mode, prints "<mode> <ns> <bytes>". */
const showScript = String.raw`set -u
port=$1 n=$2
for mode in target account portal; do
  i=0
  while [ "$i" -lt "$n" ]; do
    t0=$(date +%s%N)
    bytes=$(tgtadm --lld iscsi -C "$port" --op show --mode "$mode" | wc -c)
    t1=$(date +%s%N)
    echo "$mode $((t1 - t0)) $bytes"
    i=$((i + 1))
  done
done
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * One piece of an operation: its median ms at this size, how often one create+export runs it
 * while the caller waits, and how often in the background: the storage enquiry the station
 * starts after each create (Construct.enquire → storage.inventory, which takes the exported
 * backings from the agent's view of tgtd and lists the volume files), running on the unit next
 * to the next call (coalesced: at most one waiting per unit).
 */
export interface Piece {
  id: string;
  /** file › function, where it runs. */
  where: string;
  ms: number;
  perOperation: number;
  background: number;
}

export interface Probe {
  /** Exports on the unit when measured. */
  exports: number;
  showBytes: Record<string, number>;
  confBytes: number;
  storageJsonBytes: number;
  pieces: Piece[];
  /** StationApi calls (ms), for reference. */
  stationMs: { volumeList: number; poolGet: number; reconcilePreview: number };
}

async function timeMs(fn: () => unknown, times = 5): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function unitText(lab: LabState, unit: LabNode, argv: string[]): Promise<string> {
  const r = await nodeExec(lab, unit.name, argv, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${argv[0]} in ${unit.name} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export async function probe(
  lab: LabState,
  unit: LabNode,
  unitId: string,
  controlPort: number,
  client: StationClient,
  exports: number,
): Promise<Probe> {
  const port = String(controlPort);
  // The unit's private /var/lib/dvsan as the station's machine sees it (same filesystem).
  const unitVarLib = join(lab.dir, unit.name, 'fs', 'var-lib-dvsan');
  const hostPath = (p: string) => p.replace(/^\/var\/lib\/dvsan\//, `${unitVarLib}/`);

  const showMs: Record<string, number> = {};
  const showBytes: Record<string, number> = {};
  const show = await unitText(lab, unit, ['sh', '-c', showScript, 'sh', port, '5']);
  const byMode = new Map<string, [number[], number]>();
  for (const line of show.trim().split('\n')) {
    const [mode = '', ns = '0', bytes = '0'] = line.split(' ');
    const [ms] = byMode.get(mode) ?? [[], 0];
    byMode.set(mode, [[...ms, Number(ns) / 1e6], Number(bytes)]);
  }
  for (const [mode, [ms, bytes]] of byMode) {
    showMs[mode] = median(ms);
    showBytes[mode] = bytes;
  }

  const tgtadm = (mode: string) =>
    unitText(lab, unit, ['tgtadm', '--lld', 'iscsi', '-C', port, '--op', 'show', '--mode', mode]);
  const targetsText = await tgtadm('target');
  const accountsText = await tgtadm('account');
  const portalsText = await tgtadm('portal');
  const targets = parseTargets(targetsText);
  if (targets.length !== exports)
    throw new Error(`probe: tgtd has ${targets.length} targets, expected ${exports}`);
  const backings = targets.flatMap((t) =>
    t.luns.filter((l) => l.lun !== 0 && l.backingPath).map((l) => hostPath(l.backingPath!)),
  );

  // The export files hold CHAP secrets: read into memory only, and checked to be one per target.
  const confText = await unitText(lab, unit, [
    'sh',
    '-c',
    'cat /etc/tgt/conf.d/dvsan-*.conf 2>/dev/null || true',
  ]);
  if (parseConfig(confText).length !== exports)
    throw new Error(`probe: conf.d does not hold one export file per target (${exports})`);
  const tmp = await mkdtemp(join(tmpdir(), 'dvsan-bench-conf-'));
  let writeMs = NaN;
  let volumeMs = NaN;
  try {
    // One export's file as the agent writes it (made-up names and secrets, same shape).
    const conf = new TgtConfigDir(tmp);
    const sample = {
      iqn: 'iqn.2026-11.io.dvsan:dvp-u1.sample',
      backing: '/var/lib/dvsan/data/volumes/sample.img',
      acls: [
        {
          initiatorIqn: 'iqn.2026-11.io.dvsan.lab:dvp-h1',
          chap: {
            user: 'dvsan-sample-user',
            secret: 'SampleSecret0123456789',
            mutualUser: 'dvsan-t-sample',
            mutualSecret: 'SampleMutual0123456789',
          },
        },
      ],
    };
    writeMs = await timeMs(() => conf.write(sample));
    // What a new volume costs on disk: a sparse file, fsync, and the directory's fsync.
    let n = 0;
    volumeMs = await timeMs(async () => {
      const file = await open(join(tmp, `v${n++}.img`), 'wx', 0o600);
      await file.truncate(1 << 20);
      await file.sync();
      await file.close();
      await syncDir(tmp);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // What one tgtadm or flock run costs the agent before tgtd does anything: Node starting a
  // program (tgtadm --help exits without talking to tgtd).
  const spawnMs = await timeMs(
    () => new Promise((resolve) => execFile('tgtadm', ['--help'], () => resolve(undefined))),
    9,
  );

  // What storage.inventory lists, and the station's copy of it (node row storage_json).
  const dataDir = join(unitVarLib, 'data');
  const volumes = await listFileVolumes(dataDir, `dir:${dataDir}`);
  const storageJson = JSON.stringify({
    pools: [
      { id: `dir:${dataDir}`, kind: 'directory', path: dataDir, totalBytes: 1, freeBytes: 1 },
    ],
    volumes: volumes.map((v) => ({ ...v, exported: true })),
  });

  const pieces: Piece[] = [
    {
      id: 'show target',
      where: 'agents/targets/tgt/backend.ts › TgtBackend.readLive: tgtadm --op show --mode target',
      ms: showMs.target ?? NaN,
      perOperation: 0,
      background: 0,
    },
    {
      id: 'parse targets',
      where: 'agents/targets/tgt/show.ts › parseTargets',
      ms: await timeMs(() => parseTargets(targetsText)),
      perOperation: 0,
      background: 0,
    },
    {
      id: 'show account + portal',
      where: 'TgtBackend.readLive: tgtadm show account, show portal, parseAccounts, parsePortals',
      ms:
        (showMs.account ?? NaN) +
        (showMs.portal ?? NaN) +
        (await timeMs(() => parseAccounts(accountsText))) +
        (await timeMs(() => parsePortals(portalsText))),
      perOperation: 0,
      background: 0,
    },
    {
      id: 'probe every LUN',
      where: 'TgtBackend.listTargets › describe › probeBacking (export.list and reconcile only)',
      ms: await timeMs(() => Promise.all(backings.map((b) => probeBacking(b)))),
      perOperation: 0,
      background: 0,
    },
    {
      id: 'read every export file',
      where: 'agents/targets/tgt/conf-dir.ts › TgtConfigDir.readAll (on a full read only)',
      ms: await timeMs(() => parseConfig(confText)),
      perOperation: 0,
      background: 0,
    },
    {
      id: 'write one export file',
      where: 'conf-dir.ts › TgtConfigDir.write (one record, atomic write + fsync of file and dir)',
      ms: writeMs,
      perOperation: 1,
      background: 0,
    },
    {
      id: 'make the volume file',
      where: 'agents/volumes/file.ts › FileVolumeBackend.create (sparse file, fsync, fsync of dir)',
      ms: volumeMs,
      perOperation: 1,
      background: 0,
    },
    {
      id: 'start a program',
      where:
        'agents/targets/tgt/tgtadm.ts › execRunner, lock.ts › FlockLock: one flock and five tgtadm runs',
      ms: spawnMs,
      perOperation: 6,
      background: 0,
    },
    {
      id: 'list volume files',
      where:
        'agents/storage › collectStorage › listFileVolumes (storage.inventory after each create)',
      ms: await timeMs(() => listFileVolumes(dataDir, `dir:${dataDir}`)),
      perOperation: 0,
      background: 1,
    },
    {
      id: 'station: storage JSON',
      where:
        'station/pool/service.ts › PoolService.merge: storageInventorySchema.safeParse of the answer, JSON.stringify into the node row (nodes-repo fromRow keeps its parse)',
      ms: await timeMs(() => JSON.stringify(storageInventorySchema.parse(JSON.parse(storageJson)))),
      perOperation: 0,
      background: 1,
    },
  ];

  const stationMs = {
    volumeList: await timeCall(() => client.call('volume/list', {})),
    poolGet: await timeCall(() => client.call('pool/get', {})),
    reconcilePreview: await timeCall(() => client.call('unit/reconcile', { id: unitId })),
  };
  return {
    exports,
    showBytes,
    confBytes: Buffer.byteLength(confText),
    storageJsonBytes: Buffer.byteLength(storageJson),
    pieces,
    stationMs,
  };
}
