// Pure parts of bench/provision's LIO run: the targetcli script's timing output, the window
// medians and goals, the table, and the plot of a series with a gap.
import { describe, expect, it } from 'vitest';
import {
  formatLioTable,
  lioStats,
  renderLioSvg,
  type LioResult,
} from '../../../../bench/provision/lio-report.js';
import { parseTimedOps, type TimedOps } from '../../../../bench/provision/lio-targetcli.js';

describe('parseTimedOps', () => {
  it('turns uptime stamps into per-operation latencies', () => {
    const out = 'start 100.50\nop 196 112.75\nop 197 125.00\nend 197\n';
    expect(parseTimedOps(out, 196, 197)).toEqual({
      ops: [196, 197],
      latenciesMs: [12250, 12250],
      totalSeconds: 24.5,
    });
  });

  it('refuses output that stopped early, skipped an operation or never started', () => {
    expect(() => parseTimedOps('start 1.00\nop 1 2.00\n', 1, 2)).toThrow(/incomplete/);
    expect(() => parseTimedOps('start 1.00\nop 1 2.00\nend 2\n', 1, 2)).toThrow(/did 1 of 2/);
    expect(() => parseTimedOps('start 1.00\nop 2 2.00\nend 2\n', 1, 2)).toThrow(/out of order/);
    expect(() => parseTimedOps('op 1 2.00\nend 1\n', 1, 1)).toThrow(/incomplete/);
  });
});

const timed = (from: number, ms: number[]): TimedOps => ({
  ops: ms.map((_, i) => from + i),
  latenciesMs: ms,
  totalSeconds: ms.reduce((a, b) => a + b, 0) / 1000,
});

/** 10 exports from a clean unit at 150 ms, a last window at `dvsanLastMs`, targetcli's windows. */
function result(dvsanLastMs: number): LioResult {
  const count = 20;
  const createMs = Array.from({ length: 10 }, () => 100);
  return {
    date: '2026-11-26T05:00:00.000Z',
    machine: {
      cpus: 2,
      cpuModel: 'test cpu',
      kernel: '6.0',
      node: 'v22',
      accel: 'tcg',
      guestKernel: '6.1.0-test',
      targetcli: '2.1.53',
      load: [1, 1, 1],
    },
    agentBundle: { sha256: 'x', builtAt: '2026-11-26T04:00:00.000Z', gitHead: 'abc1234' },
    count,
    volumeBytes: 1024 * 1024,
    hostIqn: 'iqn.2026-11.io.dvsan.lab:dvj-h1',
    storage: { backstore: 'iblock', pool: 'lvm:dvsan', portal: '10.99.30.71:3260' },
    dvsan: {
      createMs,
      exportMs: createMs.map(() => 50),
      totalSeconds: 1.5,
      stoppedByBudget: true,
      last: {
        ops: [18, 19, 20],
        createMs: [100, 100, 100],
        exportMs: [dvsanLastMs - 150, dvsanLastMs - 100, dvsanLastMs - 50],
        failures: [],
      },
      setupSeconds: 7,
      warmUp: { createMs: 200, exportMs: 100, deleteMs: 100 },
    },
    targetcli: {
      first: timed(1, [2000, 3000, 2500]),
      last: timed(15, [9000, 10000, 11000]),
      fill: { from: 4, to: 8, seconds: 30, dvsanInPlace: 9 },
    },
  };
}

describe('lioStats', () => {
  it('compares window medians: dvsan flat and 10× faster meets both goals', () => {
    const s = lioStats(result(200));
    expect(s.dvsanFirst).toEqual({ window: [1, 3], ms: 150 });
    expect(s.dvsanLast).toEqual({ window: [18, 20], ms: 200 });
    expect(s.targetcliFirst).toEqual({ window: [1, 3], ms: 2500 });
    expect(s.targetcliLast).toEqual({ window: [15, 17], ms: 10000 });
    expect(s.flat).toBeCloseTo(200 / 150);
    expect(s.speedupLast).toBe(50);
    expect(s.dvsanFit.atCountMs).toBeCloseTo(150);
    expect(s.goals).toEqual({ flat: true, speedup: true });
  });

  it('reports both goals missed when dvsan grows and comes close to targetcli', () => {
    const s = lioStats(result(2000));
    expect(s.goals).toEqual({ flat: false, speedup: false });
    const table = formatLioTable(result(2000));
    expect(table).toMatch(/≤ 1\.5× #1 \(window medians\): NOT MET \(13\.33×\)/);
    expect(table).toMatch(/≥ 10× faster than targetcli at 20 exports: NOT MET \(5\.0×/);
  });

  it('counts a failed call in the last window as no measurement, and says so', () => {
    const r = result(200);
    r.dvsan.last.failures.push({
      op: 20,
      ms: 30000,
      message: 'the agent did not answer',
      settledMs: 95000,
    });
    r.dvsan.last.ops.pop();
    expect(lioStats(r).dvsanLast).toBeNull();
    expect(lioStats(r).dvsanSettled).toEqual({
      op: 20,
      ms: 95000,
      flat: 95000 / 150,
      speedup: 10000 / 95000,
    });
    expect(lioStats(r).goals).toEqual({ flat: false, speedup: false });
    expect(formatLioTable(r)).toContain(
      'dvsan #20 FAILED after 30000 ms: the agent did not answer',
    );
  });
});

describe('renderLioSvg', () => {
  it('draws targetcli as two runs, not one line across the filled gap', () => {
    const svg = renderLioSvg(result(200));
    expect(svg).toContain('one LIO VM unit (TCG)');
    // dvsan and targetcli: two runs each (thin + thick per run).
    expect(svg.match(/<polyline/g)).toHaveLength(4 + 4);
    expect(svg).toContain('targetcli at #1–3, #15–17');
    expect(svg).toContain('≤ 1.5× ops 1–3: 225 ms');
  });
});
