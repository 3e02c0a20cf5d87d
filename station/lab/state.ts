// lab.json: what `lab up` made, read back by status, down, tests and the CLI.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DvsanError } from '../../protocol/index.js';
import { defaultLabDir, validateDir, validatePrefix } from './plan.js';

export const labNodeSchema = z.object({
  name: z.string(),
  role: z.enum(['unit', 'host']),
  address: z.string(),
  port: z.literal(22),
  user: z.literal('root'),
  /** The node's anchor: `nsenter -t <sshdPid> -n -m -u` enters its network, mount and UTS namespaces. */
  sshdPid: z.number().int().positive(),
  hostKeyFingerprint: z.string().regex(/^SHA256:/),
  /** Units only: where volume files live, as seen inside the node. */
  dataDir: z.string().optional(),
  /** Units only: the node's own tgtd and its control port (`tgtadm -C <tgtdPort>`). */
  tgtdPid: z.number().int().positive().optional(),
  tgtdPort: z.number().int().nonnegative().optional(),
  /** True when the node's `node` executables are hidden. */
  withoutNode: z.boolean().optional(),
  /** VM nodes: a qemu guest; sshdPid is then qemu's pid, and nodeExec goes over SSH. */
  vm: z.object({ accel: z.enum(['kvm', 'tcg']), consoleLog: z.string() }).optional(),
});
export type LabNode = z.infer<typeof labNodeSchema>;

export const labStateSchema = z.object({
  prefix: z.string(),
  subnet: z.string(),
  dir: z.string(),
  createdAt: z.string(),
  stationAddress: z.string(),
  /** Private key that logs in as root on every node. */
  keyPath: z.string(),
  /** File holding the root password of every node. */
  passwordPath: z.string(),
  nodes: z.array(labNodeSchema),
});
export type LabState = z.infer<typeof labStateSchema>;

export const stateFileName = 'lab.json';
/** Marks a directory as a lab's own; `lab down` removes only directories that carry it (or lab.json). */
export const markerFile = '.dvsan-lab';

export function statePath(dir: string): string {
  return path.join(dir, stateFileName);
}

/** A lab is named by its prefix (state under the default dir) or by its dir. */
export type LabRef = string | { prefix?: string; dir?: string };

export function resolveLabDir(ref: LabRef): string {
  if (typeof ref === 'string')
    return ref.startsWith('/') ? validateDir(ref) : defaultLabDir(validatePrefix(ref));
  if (ref.dir) return validateDir(ref.dir);
  return defaultLabDir(validatePrefix(ref.prefix ?? 'dvl'));
}

/** Reads lab.json; null if there is none. A file that is there but unreadable is an error. */
export async function tryReadLabState(ref: LabRef): Promise<LabState | null> {
  const file = statePath(resolveLabDir(ref));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const parsed = labStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new DvsanError(
      'lab-failed',
      `${file} is not a valid lab state file (${parsed.error.issues[0]?.message ?? 'bad shape'}). Run \`dvsan lab down\` and bring the lab up again.`,
    );
  }
  return parsed.data;
}

/** Reads lab.json, failing with a hint to run `lab up` when the lab is not there. */
export async function readLabState(ref: LabRef): Promise<LabState> {
  const state = await tryReadLabState(ref);
  if (!state) {
    const dir = resolveLabDir(ref);
    throw new DvsanError(
      'not-found',
      `No lab state at ${statePath(dir)}. Start a lab with \`dvsan lab up --units 3 --hosts 1\`.`,
    );
  }
  return state;
}

/** Writes via a temp file and rename, so readers never see half a file. */
export async function writeLabState(state: LabState): Promise<void> {
  const file = statePath(state.dir);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, file);
}

export function findNode(state: LabState, nodeName: string): LabNode {
  const node = state.nodes.find((n) => n.name === nodeName);
  if (!node) {
    throw new DvsanError(
      'not-found',
      `Lab ${state.prefix} has no node ${nodeName}; it has ${state.nodes.map((n) => n.name).join(', ')}.`,
    );
  }
  return node;
}
