// One JSON file (0600) per record, named by its id, in one folder: how the host agent keeps its
// attachments and mirrors so a later agent process can take them down again.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { attachmentIdSchema } from '../../protocol/initiators.js';
import { writeFileAtomic } from '../common/atomic-file.js';

export interface RecordStore<T> {
  read(dir: string, id: string): Promise<T | null>;
  write(dir: string, record: T): Promise<void>;
  remove(dir: string, id: string): Promise<void>;
  /** Every readable record, by id; unreadable files are skipped. */
  list(dir: string): Promise<T[]>;
}

export function recordStore<T>(schema: z.ZodType<T>, idOf: (record: T) => string): RecordStore<T> {
  const fileOf = (dir: string, id: string) =>
    path.join(dir, `${attachmentIdSchema.parse(id)}.json`);
  const read = async (dir: string, id: string): Promise<T | null> => {
    const text = await readFile(fileOf(dir, id), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      return schema.parse(JSON.parse(text));
    } catch {
      return null;
    }
  };
  return {
    read,
    async write(dir, record) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(
        fileOf(dir, idOf(record)),
        JSON.stringify(record, null, 2) + '\n',
        0o600,
      );
    },
    async remove(dir, id) {
      await rm(fileOf(dir, id), { force: true });
    },
    async list(dir) {
      const names = await readdir(dir).catch(() => [] as string[]);
      const ids = names
        .filter((n) => n.endsWith('.json'))
        .map((n) => n.slice(0, -5))
        .filter((id) => attachmentIdSchema.safeParse(id).success)
        .sort();
      const records: T[] = [];
      for (const id of ids) {
        const record = await read(dir, id);
        if (record !== null) records.push(record);
      }
      return records;
    },
  };
}
