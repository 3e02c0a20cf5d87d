import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  attachmentIdSchema,
  attachResultSchema,
  initiatorTargetSchema,
} from '../../protocol/initiators.js';
import { writeFileAtomic } from '../common/atomic-file.js';

/** One attachment as kept on disk (0600): enough for a later agent process to detach it. */
export const attachmentRecordSchema = z.object({
  attachmentId: attachmentIdSchema,
  /** sha256 of the request (secrets included), to tell the same request from a different one. */
  requestKey: z.string().regex(/^[0-9a-f]{64}$/),
  target: initiatorTargetSchema,
  initiatorIqn: z.string(),
  readOnly: z.boolean(),
  filesystemType: z.enum(['ext4', 'xfs']).nullable(),
  /** The topmost directory attach created for the mount point; removed on detach. */
  createdDir: z.string().nullable(),
  mountUnit: z.string().nullable(),
  result: attachResultSchema,
});
export type AttachmentRecord = z.infer<typeof attachmentRecordSchema>;

const recordFile = (dir: string, id: string) =>
  path.join(dir, `${attachmentIdSchema.parse(id)}.json`);

export async function readRecord(dir: string, id: string): Promise<AttachmentRecord | null> {
  const text = await readFile(recordFile(dir, id), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return attachmentRecordSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

export async function writeRecord(dir: string, record: AttachmentRecord): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    recordFile(dir, record.attachmentId),
    JSON.stringify(record, null, 2) + '\n',
    0o600,
  );
}

export async function removeRecord(dir: string, id: string): Promise<void> {
  await rm(recordFile(dir, id), { force: true });
}

/** Every readable record, by id; unreadable files are skipped. */
export async function listRecords(dir: string): Promise<AttachmentRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((id) => attachmentIdSchema.safeParse(id).success)
    .sort();
  const records = await Promise.all(ids.map((id) => readRecord(dir, id)));
  return records.filter((r): r is AttachmentRecord => r !== null);
}
