import { Command, CommanderError } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import { registerLabCommands } from '../lab/cli.js';
import { defaultDataDir, stationVersion } from '../paths.js';
import type { GlobalOptions } from './client.js';
import { waitForTask, withClient } from './client.js';
import { taskLine } from './format.js';
import { registerNodeCommands } from './node-commands.js';
import { registerServeCommand } from './serve.js';
import { registerPoolCommands } from './pool-commands.js';
import { registerVolumeCommands } from './volume-commands.js';

function registerTaskCommands(program: Command, globals: () => GlobalOptions): void {
  const task = program.command('task').description('background tasks');
  task
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const tasks = await withClient(globals(), (c) => c.call('task/list', {}));
      if (o.json) console.log(JSON.stringify(tasks, null, 2));
      else for (const t of tasks) console.log(`${t.id}  ${t.createdAt}  ${taskLine(t)}`);
    });
  task
    .command('wait <id>')
    .description('follow a task to its end')
    .action(async (id: string) => {
      const t = await withClient(globals(), (c) =>
        waitForTask(c, id, (u) => console.log(taskLine(u))),
      );
      if (t.state !== 'succeeded') process.exitCode = 1;
    });
}

/** `dvsan`: every command goes through the StationApi, like the console. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('dvsan')
    .description('dvsan: distributed virtual SAN control station')
    .version(stationVersion())
    .option(
      '--data-dir <dir>',
      'station data directory',
      process.env.DVSAN_DATA_DIR ?? defaultDataDir(),
    )
    .option(
      '--station <url>',
      'use a running station (e.g. http://127.0.0.1:7300)',
      process.env.DVSAN_STATION,
    )
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  registerServeCommand(program, globals);
  registerNodeCommands(program, globals);
  registerTaskCommands(program, globals);
  registerPoolCommands(program, globals);
  registerVolumeCommands(program, globals);
  registerLabCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof DvsanError) {
      console.error(`dvsan: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(`dvsan: unexpected error: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  }
}
