// One JSON file per mirror (0600), in a folder next to the attachment records, so a later
// agent process (or the daemon's health check) knows which legs make which array.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { attachmentIdSchema, filesystemTypes } from '../../protocol/initiators.js';
import { mirrorCreateResultSchema, mirrorNameSchema } from '../../protocol/mirrors.js';
import { writeFileAtomic } from '../common/atomic-file.js';

export const mirrorRecordSchema = z.object({
  mirrorId: attachmentIdSchema,
  /** sha256 of the request, to tell the same create from a different one. */
  requestKey: z.string().regex(/^[0-9a-f]{64}$/),
  name: mirrorNameSchema,
  legs: z.tuple([attachmentIdSchema, attachmentIdSchema]),
  /** The legs' block devices when the array was made (md names its members by them). */
  legDevices: z.tuple([z.string(), z.string()]),
  filesystemType: z.enum(filesystemTypes).nullable(),
  readOnly: z.boolean(),
  createdDir: z.string().nullable(),
  mountUnit: z.string().nullable(),
  result: mirrorCreateResultSchema,
});
export type MirrorRecord = z.infer<typeof mirrorRecordSchema>;

/** The mirror records' folder, beside `recordDir` (the attachments'). */
export const mirrorDirOf = (recordDir: string) => path.join(path.dirname(recordDir), 'mirrors');

const fileOf = (dir: string, id: string) => path.join(dir, `${attachmentIdSchema.parse(id)}.json`);

export async function readMirror(dir: string, id: string): Promise<MirrorRecord | null> {
  const text = await readFile(fileOf(dir, id), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return mirrorRecordSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

export async function writeMirror(dir: string, record: MirrorRecord): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    fileOf(dir, record.mirrorId),
    JSON.stringify(record, null, 2) + '\n',
    0o600,
  );
}

export async function removeMirror(dir: string, id: string): Promise<void> {
  await rm(fileOf(dir, id), { force: true });
}

export async function listMirrors(dir: string): Promise<MirrorRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((id) => attachmentIdSchema.safeParse(id).success)
    .sort();
  const records = await Promise.all(ids.map((id) => readMirror(dir, id)));
  return records.filter((r): r is MirrorRecord => r !== null);
}
