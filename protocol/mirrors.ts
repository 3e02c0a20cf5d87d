import { z } from 'zod';
import { attachmentIdSchema, filesystemTypes, mountPointSchema } from './initiators.js';

/** Mirror names become /dev/md/<name> on the host, so they stay plain. */
export const mirrorNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'use 1-32 lowercase letters, digits and dashes');

/** whole: both legs in sync (or resyncing); degraded: one leg lost; failed: the array is gone. */
export const mirrorStates = ['whole', 'degraded', 'failed'] as const;
export type MirrorState = (typeof mirrorStates)[number];

export const mirrorCreateParamsSchema = z
  .object({
    /** The station's id for the mirror; names the record and the mount unit on the host. */
    mirrorId: attachmentIdSchema,
    name: mirrorNameSchema,
    /** Two raw attachments on this host, from two different units. */
    legs: z
      .tuple([attachmentIdSchema, attachmentIdSchema])
      .refine(([a, b]) => a !== b, 'the two legs must be different attachments'),
    filesystem: z
      .object({ type: z.enum(filesystemTypes), format: z.enum(['if-empty', 'never']) })
      .strict()
      .optional(),
    mountPoint: mountPointSchema.optional(),
    readOnly: z.boolean().default(false),
    /** Mount again at boot (a systemd .mount unit); only where systemd supervises the agent. */
    persistent: z.boolean().default(false),
  })
  .strict();
export type MirrorCreateParams = z.infer<typeof mirrorCreateParamsSchema>;

export const mirrorCreateResultSchema = z.object({
  mirrorId: attachmentIdSchema,
  device: z.string(),
  mountPoint: z.string().nullable(),
  formatted: z.boolean(),
  persistent: z.boolean(),
});
export type MirrorCreateResult = z.infer<typeof mirrorCreateResultSchema>;

export const mirrorStatusSchema = z.object({
  mirrorId: attachmentIdSchema,
  name: z.string(),
  device: z.string(),
  legs: z.array(attachmentIdSchema),
  mountPoint: z.string().nullable(),
  state: z.enum(mirrorStates),
  /** Legs md has lost (failed or removed members). */
  missingLegs: z.array(attachmentIdSchema),
  error: z.string().nullable(),
  /** A resync or recovery running now (md's sync_action), and how far it is; null when idle. */
  resync: z
    .object({ action: z.string(), percent: z.number().min(0).max(100).nullable() })
    .nullable()
    .optional(),
});
export type MirrorStatus = z.infer<typeof mirrorStatusSchema>;

/** Whether a host can mirror, for its inventory and for the station's up-front check. */
export const mirrorSupportSchema = z.object({
  available: z.boolean(),
  /** What to install or load when it cannot. */
  missing: z.string().nullable(),
});
export type MirrorSupport = z.infer<typeof mirrorSupportSchema>;

/** Agent RPC methods of md RAID1 mirrors on a host; merged into agentMethods. */
export const mirrorAgentMethods = {
  /**
   * Builds an md RAID1 over two attached legs, formats it only when empty, mounts it.
   * Idempotent: the same request again returns the same mirror; a different one under the
   * same id is a 'conflict'. A failure undoes what this call did (the legs stay attached).
   */
  'mirror.create': { params: mirrorCreateParamsSchema, result: mirrorCreateResultSchema },
  /** Unmounts (lazily with force) and stops the array; the legs stay attached. Unknown: no-op. */
  'mirror.remove': {
    params: z.object({ mirrorId: attachmentIdSchema, force: z.boolean().default(false) }).strict(),
    result: z.object({ removed: z.boolean(), warnings: z.array(z.string()) }),
  },
  /** Every mirror this host keeps with a fresh health check, and whether it can mirror at all. */
  'mirror.list': {
    params: z.object({}).strict(),
    result: mirrorSupportSchema.extend({ mirrors: z.array(mirrorStatusSchema) }),
  },
} as const;

/** A mirrored volume as every client sees it: one md device over two legs on two units. */
export const mirrorViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostId: z.string(),
  state: z.enum(['creating', 'whole', 'degraded', 'failed', 'removing']),
  device: z.string().nullable(),
  filesystem: z.enum(filesystemTypes).nullable(),
  mountPoint: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  legs: z.array(
    z.object({
      attachmentId: z.string(),
      volumeId: z.string(),
      volumeName: z.string(),
      unitId: z.string(),
      unitName: z.string(),
      /** md has lost this leg. */
      missing: z.boolean(),
    }),
  ),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type MirrorView = z.infer<typeof mirrorViewSchema>;
