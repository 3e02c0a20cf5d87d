import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dvsan checkout or install root: the nearest folder up with dvsan's package.json. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 10; i++) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dvsan'
    )
      return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('cannot find the dvsan installation folder (package.json)');
}

export function stationVersion(): string {
  return (
    JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** Where the station keeps its database and key by default (XDG data home). */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return resolve(base, 'dvsan');
}

export function defaultAgentBundle(): string {
  return join(projectRoot(), 'dist', 'agent', 'dvsan-agent.cjs');
}

export function rendererDir(): string {
  return join(projectRoot(), 'dist', 'renderer');
}
