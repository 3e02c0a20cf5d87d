import { z } from 'zod';
import {
  attachmentIdSchema,
  attachResultSchema,
  initiatorTargetSchema,
} from '../../protocol/initiators.js';
import { recordStore } from './record-store.js';

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

const attachments = recordStore(attachmentRecordSchema, (r) => r.attachmentId);
export const readRecord = attachments.read;
export const writeRecord = attachments.write;
export const removeRecord = attachments.remove;
export const listRecords = attachments.list;
