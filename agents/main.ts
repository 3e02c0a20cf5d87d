// Entry of the bundled agent (dist/agent/dvsan-agent.cjs). Bundled to CommonJS for any
// Node >= 18, so: no top-level await, no import.meta.
import { runCli } from './cli.js';
import { stderrLog } from './log.js';

runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  log: stderrLog,
  selfPath: process.argv[1],
  env: process.env,
}).then(
  (code) => {
    // exitCode, not exit(): let stdout drain the last answers before the process ends.
    process.exitCode = code;
  },
  (err: unknown) => {
    stderrLog('error', 'agent failed', { error: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  },
);
