import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { requestStatusSchema, type RequestStatus } from '../../protocol/requests.js';
import { writeFileAtomic } from '../common/atomic-file.js';
import { daemonPaths } from '../daemon/paths.js';

/** Where the station's answers to this host's requests are kept (one file per request). */
export function requestsDir(env: NodeJS.ProcessEnv): string {
  return path.join(daemonPaths(env).stateDir, 'requests');
}

/** Stores the station's latest word on a request, whole or not at all. */
export async function storeStatus(env: NodeJS.ProcessEnv, status: RequestStatus): Promise<void> {
  const dir = requestsDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(dir, `${status.id}.json`), JSON.stringify(status) + '\n', 0o600);
}

/** The latest answer, or null while the station has not answered (or wrote nonsense). */
export async function readStatus(
  env: NodeJS.ProcessEnv,
  id: string,
): Promise<RequestStatus | null> {
  const text = await readFile(path.join(requestsDir(env), `${id}.json`), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = requestStatusSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
