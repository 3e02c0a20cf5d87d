import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { writeFileAtomic } from '../common/atomic-file.js';

export const unitName = 'dvsan-agent';
export const defaultUnitDir = '/etc/systemd/system';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs a program with an argv array (never a shell); injected in tests. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

export const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : '') });
    });
  });

/** Environment the daemon needs to find the same files as the agent that configured it. */
const passedEnv = ['DVSAN_STATE_DIR', 'DVSAN_RUN_DIR'] as const;

function refuseControl(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value))
    throw new DvsanError('agent-error', `cannot put ${JSON.stringify(value)} in a unit file`);
  return value;
}

/**
 * One ExecStart word: '%' is a specifier and '$' an environment reference, so both are
 * doubled; words with spaces, quotes or backslashes are double-quoted with C escapes.
 */
export function execWord(value: string): string {
  const escaped = refuseControl(value).replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && !/[\s"'\\;]/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One Environment= assignment, always quoted ('$' is not expanded there, '%' is). */
function environmentWord(name: string, value: string): string {
  const escaped = refuseControl(`${name}=${value}`).replace(/%/g, '%%');
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface UnitOptions {
  execPath: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
}

export function renderUnit(options: UnitOptions): string {
  const environment = passedEnv
    .filter((name) => options.env[name])
    .map((name) => `Environment=${environmentWord(name, options.env[name]!)}\n`)
    .join('');
  const exec = [options.execPath, options.bundle, 'daemon'].map(execWord).join(' ');
  return (
    '# Written by dvsan-agent (agent.configure); rewritten when the agent is reconfigured.\n' +
    '[Unit]\n' +
    'Description=dvsan announce daemon\n' +
    'Wants=network-online.target\n' +
    'After=network-online.target\n' +
    '\n' +
    '[Service]\n' +
    'Type=simple\n' +
    environment +
    `ExecStart=${exec}\n` +
    'Restart=always\n' +
    'RestartSec=2\n' +
    '\n' +
    '[Install]\n' +
    'WantedBy=multi-user.target\n'
  );
}

export interface SystemdOptions extends UnitOptions {
  systemctl: string;
  runner: CommandRunner;
  unitDir: string;
  /** The settings file changed in this call. */
  settingsChanged: boolean;
}

/**
 * Installs the unit (only rewritten, and systemd reloaded, when its text changes), then starts
 * it or restarts it when the unit or the settings changed. Same settings and an active
 * service: nothing happens.
 */
export async function configureSystemd(
  options: SystemdOptions,
): Promise<{ pid: number | null; restarted: boolean }> {
  const systemctl = async (...args: string[]): Promise<CommandResult> => {
    const result = await options.runner(options.systemctl, args);
    return result;
  };
  const must = async (...args: string[]): Promise<void> => {
    const result = await systemctl(...args);
    if (result.code !== 0) {
      throw new DvsanError(
        'agent-error',
        `systemctl ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
    }
  };

  const unitFile = path.join(options.unitDir, `${unitName}.service`);
  const unit = renderUnit(options);
  const current = await readFile(unitFile, 'utf8').catch(() => null);
  const unitChanged = current !== unit;
  if (unitChanged) {
    await writeFileAtomic(unitFile, unit, 0o644);
    await must('daemon-reload');
  }
  const active = (await systemctl('is-active', '--quiet', unitName)).code === 0;
  let restarted = false;
  if (!active) {
    await must('enable', '--now', unitName);
    restarted = true;
  } else if (unitChanged || options.settingsChanged) {
    await must('restart', unitName);
    restarted = true;
  }
  const shown = await systemctl('show', '--property', 'MainPID', '--value', unitName);
  const pid = Number(shown.stdout.trim());
  return { pid: shown.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : null, restarted };
}
