import { Command, CommanderError } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import { registerLabCommands } from '../lab/cli.js';
import { defaultDataDir, stationVersion } from '../paths.js';
import type { GlobalOptions } from './client.js';
import { registerNodeCommands } from './node-commands.js';
import { registerTaskCommands } from './task-commands.js';
import { registerServeCommand } from './serve.js';
import { registerPoolCommands } from './pool-commands.js';
import { registerVolumeCommands } from './volume-commands.js';
import { registerReportCommands } from './report-commands.js';
import { registerHostCommands } from './host-commands.js';
import { registerUserCommands } from './user-commands.js';

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
    .option('--user <name>', 'sign in to --station as this user', process.env.DVSAN_USER)
    .option(
      '--fingerprint <sha256>',
      "trust --station's TLS certificate by its fingerprint",
      process.env.DVSAN_FINGERPRINT,
    )
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  registerServeCommand(program, globals);
  registerNodeCommands(program, globals);
  registerTaskCommands(program, globals);
  registerPoolCommands(program, globals);
  registerVolumeCommands(program, globals);
  registerHostCommands(program, globals);
  registerUserCommands(program, globals);
  registerReportCommands(program, globals);
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
