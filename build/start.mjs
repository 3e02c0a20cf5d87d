// `npm start` (after `npm run build`): opens the desktop app where an Electron binary exists,
// otherwise runs the headless station (`dvsan serve`), which serves the console on
// http://127.0.0.1:7300 for any browser. `npm start -- --headless` picks the second on purpose;
// other arguments go to the child (e.g. `npm start -- --port 7400`).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceHeadless = args.includes('--headless');
const childArgs = args.filter((a) => a !== '--headless');

/**
 * The Electron binary, or why there is none. `require('electron')` downloads the binary when it
 * is missing, which must not happen here (no network; installs skip the download), so the
 * path is worked out first the way the electron package does, and required only once the file
 * is known to exist.
 */
function findElectron() {
  const require = createRequire(join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override)
    return { reason: 'Electron is not installed here (download skipped)' };
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const expected = override ? join(override, name || 'electron') : join(pkgDir, 'dist', name);
  if (!existsSync(expected)) return { reason: `the Electron binary is missing (${expected})` };
  const binary = require('electron');
  if (typeof binary !== 'string' || !existsSync(binary))
    return { reason: 'the electron package gave no usable binary' };
  return { binary };
}

function chooseMode() {
  if (forceHeadless) return { mode: 'headless', reason: '--headless was given' };
  const found = findElectron();
  if (!found.binary) return { mode: 'headless', reason: found.reason };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return {
      mode: 'headless',
      reason: 'Electron is installed but there is no display (DISPLAY/WAYLAND_DISPLAY unset)',
    };
  }
  return { mode: 'electron', binary: found.binary };
}

/**
 * Runs the child in its own process group (not on Windows, where that opens a new console),
 * so Ctrl-C reaches it exactly once, through us: `dvsan serve` stops gracefully on the first
 * SIGINT and a second one, straight from the terminal, would cut that short.
 */
function run(command, argv) {
  const child = spawn(command, argv, {
    cwd: root,
    stdio: 'inherit',
    detached: process.platform !== 'win32',
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => forward(signal));
  // If we go away without a signal, do not leave the station running unowned.
  process.on('exit', () => forward('SIGTERM'));
  child.on('error', (err) => {
    console.error(`dvsan: could not start ${command}: ${err.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : signal ? 143 : 1);
  });
}

const choice = chooseMode();
if (choice.mode === 'electron') {
  if (!existsSync(join(root, 'dist', 'electron', 'main.cjs'))) {
    console.error('dvsan: the desktop app is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  console.log('dvsan: starting the desktop app (Electron)');
  run(choice.binary, ['.', ...childArgs]);
} else {
  console.log(`dvsan: ${choice.reason}; serving the console in your browser instead`);
  run(process.execPath, [join(root, 'bin', 'dvsan.mjs'), 'serve', ...childArgs]);
}
