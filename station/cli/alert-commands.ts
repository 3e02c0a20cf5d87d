import type { Command } from 'commander';
import { DvsanError, type EventRecord } from '../../protocol/index.js';
import { isOpenAlert } from '../../protocol/alerts.js';
import { type GlobalOptions, withClient } from './client.js';

/** One event per line, with the id `dvsan events ack` takes. */
export function eventLine(e: EventRecord): string {
  const ack = e.acknowledgedAt
    ? `  (acknowledged by ${e.acknowledgedBy ?? '?'} at ${e.acknowledgedAt})`
    : isOpenAlert(e)
      ? '  (open)'
      : '';
  return `${String(e.id).padStart(6)}  ${e.at}  ${e.severity.padEnd(8)} ${e.kind.padEnd(18)} ${e.message}${ack}`;
}

/** "12" -> 12; anything but a positive whole number is refused before the station is asked. */
export function parseEventIds(args: readonly string[]): number[] {
  return args.map((arg) => {
    if (!/^[1-9]\d{0,15}$/.test(arg))
      throw new DvsanError(
        'invalid-params',
        `${arg} is not an event id: use the number in the first column of dvsan events`,
      );
    return Number(arg);
  });
}

/** `dvsan events ack ID...`, under the `events` command. */
export function registerAckCommand(events: Command, globals: () => GlobalOptions): void {
  events
    .command('ack <ids...>')
    .description('acknowledge alerts (warning or critical events) by id')
    .option('--json', 'print JSON')
    .action(async (args: string[], o) => {
      const ids = parseEventIds(args);
      const records = await withClient(globals(), (c) => c.call('event/acknowledge', { ids }));
      if (o.json) return console.log(JSON.stringify(records, null, 2));
      for (const e of records) console.log(eventLine(e));
    });
}
