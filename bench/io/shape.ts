// Link shaping with tc's token bucket filter. A lab node's link is a veth pair: eth0 in the
// node's namespace and a port on the bridge in the switch namespace. tbf shapes egress only,
// so both ends get one: the node's eth0 limits what it sends (read data from a unit), the
// bridge port limits what it receives (write data to a unit).
import { run } from '../../station/lab/run.js';
import type { UndoStack } from '../common/run.js';

export interface ShapedEnd {
  ns: string;
  dev: string;
}

/**
 * The bucket holds at least 64 KiB (one GSO packet fits without being split) or 4 ms at the
 * rate; packets wait at most 50 ms, past which tbf drops and TCP backs off as on a real link.
 */
export function tbfArgv(end: ShapedEnd, mbit: number): string[] {
  const burstBytes = Math.max(64 * 1024, Math.ceil((mbit * 1e6) / 8 / 250));
  return [
    '-n',
    end.ns,
    'qdisc',
    'replace',
    'dev',
    end.dev,
    'root',
    'tbf',
    'rate',
    `${mbit}mbit`,
    'burst',
    String(burstBytes),
    'latency',
    '50ms',
  ];
}

async function tc(argv: string[]): Promise<string> {
  const r = await run('tc', argv, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`tc ${argv.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Shapes each end; the undo removes the qdiscs (a namespace already gone counts as done). */
export async function shape(
  ends: ShapedEnd[],
  mbit: number,
  undo: UndoStack,
): Promise<() => Promise<void>> {
  const removers: (() => Promise<void>)[] = [];
  for (const end of ends) {
    removers.push(
      undo.push(`tbf on ${end.ns}/${end.dev}`, async () => {
        const r = await run('tc', ['-n', end.ns, 'qdisc', 'del', 'dev', end.dev, 'root'], {
          timeoutMs: 10_000,
        });
        if (
          r.code !== 0 &&
          !/handle of zero|Cannot find device|Cannot open network namespace/.test(r.stderr)
        )
          throw new Error(r.stderr.trim());
      }),
    );
    await tc(tbfArgv(end, mbit));
  }
  return async () => {
    for (const remove of removers.reverse()) await remove();
  };
}

/** Bytes the root qdisc of each end has sent so far (`tc -s -j`). */
export async function sentBytes(end: ShapedEnd): Promise<number> {
  const out = await tc(['-s', '-j', '-n', end.ns, 'qdisc', 'show', 'dev', end.dev, 'root']);
  const q = (JSON.parse(out) as { kind: string; bytes?: number }[])[0];
  return q?.bytes ?? 0;
}
