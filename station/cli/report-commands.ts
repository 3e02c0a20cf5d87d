import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import {
  reportFormats,
  type ReportFormat,
  type ReportKind,
  reportKinds,
} from '../../protocol/reports.js';
import { type GlobalOptions, waitForTask, withClient } from './client.js';
import { table, taskLine } from './format.js';

const whole = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n))
    throw new DvsanError('invalid-params', `${flag} must be a whole number`);
  return n;
};

/** The format named by --format, else by the output file's extension. */
function formatFor(format: string | undefined, output: string): ReportFormat {
  const chosen = format ?? extname(output).slice(1).toLowerCase();
  if (!chosen)
    throw new DvsanError(
      'invalid-params',
      `name a format with --format (${reportFormats.join(', ')}), or give the file one of those extensions`,
    );
  return chosen as ReportFormat;
}

function registerSchedule(report: Command, globals: () => GlobalOptions): void {
  const schedule = report.command('schedule').description('reports written on a schedule');
  schedule
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const all = await withClient(globals(), (c) => c.call('report/schedule/list', {}));
      if (o.json) return console.log(JSON.stringify(all, null, 2));
      if (!all.length)
        return console.log(
          'No report schedules. Add one: dvsan report schedule set NAME --kind capacity --format pdf --folder DIR',
        );
      console.log(
        table([
          ['NAME', 'REPORT', 'FORMAT', 'EVERY', 'PERIOD', 'KEEP', 'FOLDER', 'LAST RUN'],
          ...all.map((s) => [
            s.name,
            s.kind,
            s.format,
            `${s.everyHours} h`,
            `${s.periodDays} d`,
            String(s.keep),
            s.folder,
            s.lastRunAt ?? 'never',
          ]),
        ]),
      );
    });
  schedule
    .command('set <name>')
    .description('add or change a schedule')
    .requiredOption('--kind <report>', 'which report')
    .requiredOption('--format <format>', reportFormats.join(' | '))
    .requiredOption('--folder <dir>', 'where the files go (on the station)')
    .option('--every <hours>', 'hours between runs', whole('--every'), 24)
    .option('--period-days <days>', 'days each run covers', whole('--period-days'), 7)
    .option('--keep <n>', 'files to keep; older ones are deleted', whole('--keep'), 7)
    .action(async (name: string, o) => {
      const s = await withClient(globals(), (c) =>
        c.call('report/schedule/set', {
          name,
          kind: o.kind as ReportKind,
          format: o.format as ReportFormat,
          folder: resolve(o.folder),
          everyHours: o.every,
          periodDays: o.periodDays,
          keep: o.keep,
        }),
      );
      console.log(
        `schedule ${s.name}: the ${s.kind} report as ${s.format} every ${s.everyHours} h into ${s.folder}, keeping ${s.keep}`,
      );
    });
  schedule.command('remove <name>').action(async (name: string) => {
    const { removed } = await withClient(globals(), (c) =>
      c.call('report/schedule/remove', { name }),
    );
    if (!removed) throw new DvsanError('not-found', `no report schedule named ${name}`);
    console.log(`removed schedule ${name}`);
  });
  schedule
    .command('run <name>')
    .description('run a schedule now and follow its task')
    .action(async (name: string) => {
      const t = await withClient(globals(), async (c) => {
        const { taskId } = await c.call('report/schedule/run', { name });
        return waitForTask(c, taskId, (u) => console.log(taskLine(u)));
      });
      if (t.state !== 'succeeded') process.exitCode = 1;
    });
}

/** `dvsan report KIND -o FILE` and `dvsan report schedule ...`. */
export function registerReportCommands(program: Command, globals: () => GlobalOptions): void {
  const report = program
    .command('report')
    .description('write a report, now or on a schedule')
    .argument('[kind]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((kind: string | undefined) => {
      if (!kind) return report.help();
      throw new DvsanError(
        'invalid-params',
        `unknown report ${kind}: pick one of ${reportKinds.join(', ')}`,
      );
    });
  for (const kind of reportKinds) {
    report
      .command(kind)
      .description(`write the ${kind} report`)
      .requiredOption('-o, --output <file>', 'the file to write')
      .option('--format <format>', `${reportFormats.join(' | ')} (default: from the file name)`)
      .option('--from <iso>', 'start of the period (default: 7 days before --to)')
      .option('--to <iso>', 'end of the period (default: now)')
      .option('--force', 'replace an existing file')
      .action(async (o) => {
        const path = resolve(o.output);
        const file = await withClient(globals(), (c) =>
          c.call('report/generate', {
            kind,
            format: formatFor(o.format, path),
            path,
            force: Boolean(o.force),
            ...(o.from ? { from: o.from } : {}),
            ...(o.to ? { to: o.to } : {}),
          }),
        );
        console.log(`wrote ${file.path}: ${file.rows} rows, ${file.bytes} bytes`);
      });
  }
  registerSchedule(report, globals);
}
