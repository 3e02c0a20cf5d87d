import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunningStation {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '../..');

/** Starts the real `dvsan serve` from the built CLI and waits for its "console at" line. */
export function startStation(dataDir: string, port: number): Promise<RunningStation> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/dvsan.mjs'),
      '--data-dir',
      dataDir,
      'serve',
      '--port',
      String(port),
      '--announce-port',
      '0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DVSAN_LOG_LEVEL: 'warn' },
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dvsan serve did not start in 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /console at (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1] as string,
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dvsan serve exited with ${code}:\n${output}`));
    });
  });
}
