// One JSON file per mirror (0600), in a folder next to the attachment records, so a later
// agent process (or the daemon's health check) knows which legs make which array.
import path from 'node:path';
import { z } from 'zod';
import { attachmentIdSchema, filesystemTypes } from '../../protocol/initiators.js';
import { mirrorCreateResultSchema, mirrorNameSchema } from '../../protocol/mirrors.js';
import { recordStore } from './record-store.js';

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

const mirrors = recordStore(mirrorRecordSchema, (r) => r.mirrorId);
export const readMirror = mirrors.read;
export const writeMirror = mirrors.write;
export const removeMirror = mirrors.remove;
export const listMirrors = mirrors.list;
