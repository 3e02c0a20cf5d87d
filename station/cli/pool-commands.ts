import type { Command } from 'commander';
import { DvsanError, type PoolView, type RequestPolicy } from '../../protocol/index.js';
import { parseSize } from '../../protocol/size.js';
import { eventLine, registerAckCommand } from './alert-commands.js';
import { type GlobalOptions, withClient } from './client.js';
import { gib, table } from './format.js';

function policyText(p: RequestPolicy): string {
  const grant = p.autoGrantBytes
    ? `auto-grant up to ${gib(p.autoGrantBytes)}`
    : 'every request needs approval';
  return `host requests: ${grant}, quota ${p.hostQuotaBytes === null ? 'none' : gib(p.hostQuotaBytes)}`;
}

function poolText(p: PoolView): string {
  if (!p.units.length)
    return 'No unit has reported storage yet: deploy the agent to a SAN unit (dvsan node deploy NAME).';
  const t = p.totals;
  return [
    `pool: ${gib(t.totalBytes)} total, ${gib(t.freeBytes)} free, ${gib(t.allocatableBytes)} allocatable, ${gib(t.allocatedBytes)} allocated, ${t.usedPct}% used (${t.level})`,
    `thresholds: warning ${p.thresholds.warningPct}%, critical ${p.thresholds.criticalPct}%; held back on spare units: ${gib(p.spareBytes)}`,
    '',
    table([
      ['UNIT', 'HEALTH', 'SPARE', 'TOTAL', 'FREE', 'ALLOCATED', 'VOLUMES', 'USED', 'LEVEL'],
      ...p.units.map((u) => [
        u.name,
        u.health,
        u.spare ? 'spare' : '',
        gib(u.totalBytes),
        gib(u.freeBytes),
        gib(u.allocatedBytes),
        String(u.volumeCount),
        `${u.usedPct}%`,
        u.level,
      ]),
    ]),
  ].join('\n');
}

const percent = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new DvsanError('invalid-params', `${v} is not a number`);
  return n;
};

export function registerPoolCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('pool')
    .description('the storage pool: capacity per unit and in total')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const p = await withClient(globals(), (c) => c.call('pool/get', {}));
      console.log(o.json ? JSON.stringify(p, null, 2) : poolText(p));
    });

  program
    .command('spare <name>')
    .description('hold a unit back for recovery (--off to return it to the pool)')
    .option('--off', 'no longer spare')
    .action(async (name: string, o) => {
      const n = await withClient(globals(), async (c) => {
        const node = (await c.call('node/list', {})).find((x) => x.name === name);
        if (!node) throw new DvsanError('not-found', `no node named ${name}`);
        return c.call('node/setSpare', { id: node.id, spare: !o.off });
      });
      console.log(
        `${n.name} is ${n.spare ? 'spare: watched, its capacity held back' : 'in the pool'}`,
      );
    });

  const eventsCommand = program
    .command('events')
    .description('recent events and alerts; `events ack ID...` acknowledges alerts')
    .option('--limit <n>', 'how many', '50')
    .option('--alerts', 'only open alerts: warning and critical events not acknowledged')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const events = await withClient(globals(), (c) =>
        c.call('event/list', { limit: Number(o.limit), openAlerts: Boolean(o.alerts) }),
      );
      if (o.json) return console.log(JSON.stringify(events, null, 2));
      if (!events.length) return console.log(o.alerts ? 'No open alerts.' : 'No events yet.');
      for (const e of events) console.log(eventLine(e));
    });
  registerAckCommand(eventsCommand, globals);

  const settings = program.command('settings').description('station settings');
  settings
    .command('show')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const s = await withClient(globals(), (c) => c.call('settings/get', {}));
      console.log(
        o.json
          ? JSON.stringify(s, null, 2)
          : `warning ${s.thresholds.warningPct}%, critical ${s.thresholds.criticalPct}%, heartbeat every ${s.heartbeatSeconds} s, down after ${s.missedHeartbeats} missed; ${policyText(s.requestPolicy)}`,
      );
    });
  settings
    .command('set')
    .option('--warning <pct>', 'pool/unit usage warning threshold')
    .option('--critical <pct>', 'pool/unit usage critical threshold')
    .option(
      '--heartbeat <seconds>',
      'seconds between agent heartbeats (applies at the next deploy)',
    )
    .option('--missed <n>', 'missed heartbeats before a node is down')
    .option(
      '--auto-grant <size>',
      'host requests up to this size are granted without an admin (0: none)',
    )
    .option('--host-quota <size>', "most a host may hold through requests ('none': no limit)")
    .action(async (o) => {
      const s = await withClient(globals(), async (c) => {
        const current = await c.call('settings/get', {});
        const thresholds =
          o.warning || o.critical
            ? {
                warningPct: o.warning ? percent(o.warning) : current.thresholds.warningPct,
                criticalPct: o.critical ? percent(o.critical) : current.thresholds.criticalPct,
              }
            : undefined;
        return c.call('settings/update', {
          ...(thresholds ? { thresholds } : {}),
          ...(o.heartbeat ? { heartbeatSeconds: percent(o.heartbeat) } : {}),
          ...(o.missed ? { missedHeartbeats: percent(o.missed) } : {}),
          ...(o.autoGrant !== undefined || o.hostQuota !== undefined
            ? {
                requestPolicy: {
                  autoGrantBytes:
                    o.autoGrant === undefined
                      ? current.requestPolicy.autoGrantBytes
                      : o.autoGrant === '0'
                        ? 0
                        : parseSize(o.autoGrant),
                  hostQuotaBytes:
                    o.hostQuota === undefined
                      ? current.requestPolicy.hostQuotaBytes
                      : o.hostQuota === 'none'
                        ? null
                        : parseSize(o.hostQuota),
                },
              }
            : {}),
        });
      });
      console.log(
        `saved: warning ${s.thresholds.warningPct}%, critical ${s.thresholds.criticalPct}%, heartbeat ${s.heartbeatSeconds} s, missed ${s.missedHeartbeats}; ${policyText(s.requestPolicy)}`,
      );
    });
}
