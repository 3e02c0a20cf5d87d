// Where a provision operation's time goes at a given number of exports on the unit, measured
// piece by piece without changing dvsan: tgtadm's show commands timed inside the unit, and the
// functions the agent and the station run on every operation timed here on the unit's real
// data (the show text, dvsan.conf, the volume files, seen through the lab's node directory).
// `perOperation` says how often one create+export runs each piece (read from the code).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, renderConfig, writeConfig } from '../../agents/targets/tgt/config.js';
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
 * starts after each create (Construct.enquire → storage.inventory, which lists the targets
 * through export.list and then the volume files), running on the unit next to the next call.
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

  // dvsan.conf holds CHAP secrets: read into memory, and written only to a private temp dir
  // that is removed at once.
  const confText = await unitText(lab, unit, [
    'sh',
    '-c',
    'cat /etc/tgt/conf.d/dvsan.conf 2>/dev/null || true',
  ]);
  const records = parseConfig(confText);
  const tmp = await mkdtemp(join(tmpdir(), 'dvsan-bench-conf-'));
  let writeMs: number;
  try {
    writeMs = await timeMs(() => writeConfig(records, join(tmp, 'dvsan.conf')));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

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
      perOperation: 3,
      background: 1,
    },
    {
      id: 'parse targets',
      where: 'agents/targets/tgt/show.ts › parseTargets',
      ms: await timeMs(() => parseTargets(targetsText)),
      perOperation: 3,
      background: 1,
    },
    {
      id: 'show account + portal',
      where: 'TgtBackend.readLive: tgtadm show account, show portal, parseAccounts, parsePortals',
      ms:
        (showMs.account ?? NaN) +
        (showMs.portal ?? NaN) +
        (await timeMs(() => parseAccounts(accountsText))) +
        (await timeMs(() => parsePortals(portalsText))),
      perOperation: 3,
      background: 1,
    },
    {
      id: 'probe every LUN',
      where: 'TgtBackend.listTargets › describe › probeBacking (realpath + stat per LUN)',
      ms: await timeMs(() => Promise.all(backings.map((b) => probeBacking(b)))),
      perOperation: 2,
      background: 1,
    },
    {
      id: 'read dvsan.conf',
      where: 'agents/targets/tgt/config.ts › readConfig › parseConfig',
      ms: await timeMs(() => parseConfig(confText)),
      perOperation: 3,
      background: 1,
    },
    {
      id: 'rewrite dvsan.conf',
      where: 'config.ts › writeConfig (renderConfig of every record, atomic write + fsync)',
      ms: (await timeMs(() => renderConfig(records))) + writeMs,
      perOperation: 1,
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
        'station/db/nodes-repo.ts › fromRow: JSON.parse + storageInventorySchema.safeParse of the unit’s storage',
      ms: await timeMs(() => storageInventorySchema.safeParse(JSON.parse(storageJson))),
      // create: pool.view, unit(), publish; export: unit(), publish. The enquiry's merge:
      // safeParse of the answer, update's get, the pool's recompute (on the station).
      perOperation: 5,
      background: 3,
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
