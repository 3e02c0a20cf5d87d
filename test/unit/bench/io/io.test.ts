// Pure parts of bench/io: the by-hand initiator argv (checked against the agent's own), fio's
// JSON, the tc arguments, the goals, the undo stack and the bar chart.
import { describe, expect, it } from 'vitest';
import { qsdArgs, qsdFiles } from '../../../../agents/initiators/userspace.js';
import { renderBars } from '../../../../bench/common/bars.js';
import { UndoStack } from '../../../../bench/common/run.js';
import { normalizeQsdArgv } from '../../../../bench/io/dvsan.js';
import { fioArgv, fioJobs, parseFio } from '../../../../bench/io/fio.js';
import { handDir, qsdArgv } from '../../../../bench/io/hand.js';
import { computeGoals } from '../../../../bench/io/report.js';
import { tbfArgv } from '../../../../bench/io/shape.js';
import { median } from '../../../../bench/io/stats.js';

const target = {
  iqn: 'iqn.2026-11.io.dvsan:dvo-u1.cmp',
  portal: { address: '10.99.24.11', port: 3260 },
  lun: 1,
  initiatorIqn: 'iqn.2026-11.io.dvsan.host:dvo-h1',
};

describe('the by-hand initiator', () => {
  it('gives qemu-storage-daemon the options the agent gives it', () => {
    const chap = { user: 'h-dvo-h1', secret: 'not-in-argv-1234' };
    const agent = [
      '/usr/bin/qemu-storage-daemon',
      ...qsdArgs(
        {
          attachmentId: 'a1',
          target,
          initiatorIqn: target.initiatorIqn,
          chap,
          readOnly: false,
          timeoutMs: 20_000,
        },
        qsdFiles('/run/dvsan/initiators', 'a1'),
      ),
    ];
    const hand = qsdArgv({ ...target, chap }, handDir('cmp-dvo-h1'));
    expect(normalizeQsdArgv(hand)).toEqual(normalizeQsdArgv(agent));
    expect(hand.join(' ')).not.toContain(chap.secret);
  });

  it('leaves CHAP out when the export has none', () => {
    const argv = qsdArgv({ ...target, chap: null }, '/run/x');
    expect(argv.join(' ')).not.toMatch(/secret|user=/);
  });

  it('tells different options apart after normalizing', () => {
    const a = qsdArgv({ ...target, chap: null }, '/run/a');
    const b = qsdArgv({ ...target, lun: 2, chap: null }, '/run/b');
    expect(normalizeQsdArgv(a)).not.toEqual(normalizeQsdArgv(b));
  });
});

describe('fio', () => {
  const json = (side: 'read' | 'write', bw: number) =>
    JSON.stringify({
      jobs: [
        {
          error: 0,
          read: { bw_bytes: side === 'read' ? bw : 0, iops: 100, runtime: 8000 },
          write: { bw_bytes: side === 'write' ? bw : 0, iops: 50, runtime: 8000 },
        },
      ],
    });

  it('reads the side the job measures, in decimal MB/s', () => {
    expect(parseFio(json('read', 12_500_000), fioJobs['seq-read'])).toEqual({
      mbps: 12.5,
      iops: 100,
      seconds: 8,
    });
    expect(parseFio('note: a line first\n' + json('write', 2e6), fioJobs['rand-write']).mbps).toBe(
      2,
    );
  });

  it('refuses a run that moved nothing or printed no JSON', () => {
    expect(() => parseFio(json('write', 5e6), fioJobs['seq-read'])).toThrow(/moved no data/);
    expect(() => parseFio('fio: error', fioJobs['seq-read'])).toThrow(/no JSON/);
  });

  it('runs O_DIRECT for a fixed time with a fixed random seed', () => {
    const argv = fioArgv(fioJobs['rand-read'], '/dev/loop7', 8, 2, 512 * 1024 * 1024);
    expect(argv).toEqual(
      expect.arrayContaining([
        '--direct=1',
        '--time_based',
        '--runtime=8',
        '--ramp_time=2',
        '--bs=4k',
        '--randseed=2611',
        '--size=536870912',
      ]),
    );
  });
});

describe('shaping and goals', () => {
  it('shapes one end with tbf at the rate, with a bucket that fits a GSO packet', () => {
    expect(tbfArgv({ ns: 'dvo-u1', dev: 'eth0' }, 100)).toEqual([
      '-n',
      'dvo-u1',
      'qdisc',
      'replace',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      '100mbit',
      'burst',
      '65536',
      'latency',
      '50ms',
    ]);
    expect(tbfArgv({ ns: 'x', dev: 'y' }, 1000)[11]).toBe('500000');
  });

  it('meets the goals only at or above their targets', () => {
    const cases = (spread: number, one: number, inBand: number) =>
      [
        ['spread', spread],
        ['one-unit', one],
        ['in-band', inBand],
      ].map(([id, total]) => ({
        id,
        totalMBps: total,
        attach: 'hand',
        shaped: true,
        perHost: [],
        windowSeconds: 15,
      }));
    const s = (spread: number, one: number, inBand: number) =>
      ({ cases: cases(spread, one, inBand) }) as never;
    const g = computeGoals(null, s(45, 15, 12));
    expect(g.spreadOverOneUnit).toEqual({ target: 3, value: 3, met: true });
    expect(g.spreadOverInBand?.met).toBe(true);
    expect(computeGoals(null, s(44, 15, 15)).spreadOverOneUnit?.met).toBe(false);
    const compare = { jobs: [{ ratio: 1.01 }, { ratio: 0.97 }] } as never;
    expect(computeGoals(compare, null).compare).toEqual({ target: 0.98, value: 0.97, met: false });
  });

  it('takes the middle value', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('UndoStack', () => {
  it('undoes newest first, runs an early step once, and goes on past a failure', async () => {
    const undo = new UndoStack();
    const done: string[] = [];
    undo.push('a', async () => done.push('a'));
    const early = undo.push('b', async () => done.push('b'));
    undo.push('c', async () => {
      throw new Error('c failed');
    });
    undo.push('d', async () => done.push('d'));
    await early();
    await early();
    const problems = await undo.unwind();
    expect(done).toEqual(['b', 'd', 'a']);
    expect(problems).toEqual(['c: c failed']);
    expect(await undo.unwind()).toEqual([]);
  });
});

describe('renderBars', () => {
  it('draws one bar per value with its label and escapes text', () => {
    const svg = renderBars({
      title: 'a <b>',
      subtitle: 's',
      unit: 'MB/s',
      panels: [
        {
          title: 'p',
          bars: [
            { label: 'x', value: 12.34, colour: '#000' },
            { label: 'y', value: 50, colour: '#111' },
          ],
          lines: [{ value: 25, label: 'goal' }],
        },
      ],
    });
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('>12.3<');
    expect(svg).toContain('stroke-dasharray');
  });
});
