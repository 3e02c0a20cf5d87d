import { z } from 'zod';
import { filesystemTypes, mountPointSchema } from './initiators.js';
import { mirrorViewSchema } from './mirrors.js';
import { nodeViewSchema } from './nodes.js';
export { requestPolicySchema, type RequestPolicy } from './request-policy.js';
import { placements, volumeNameSchema } from './volumes.js';

const id = z.string().min(1).max(64);

export type Filesystem = (typeof filesystemTypes)[number];

/** The station's view of an attachment's life; the host's own health check is separate. */
export const hostAttachmentStates = ['attaching', 'attached', 'failed', 'detaching'] as const;

/** A volume attached to a host, as every client sees it. */
export const attachmentViewSchema = z.object({
  id: z.string(),
  volumeId: z.string(),
  volumeName: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  shared: z.boolean(),
  state: z.enum(hostAttachmentStates),
  readOnly: z.boolean(),
  filesystem: z.enum(filesystemTypes).nullable(),
  mountPoint: z.string().nullable(),
  device: z.string().nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  /** Set on the two legs of a mirrored volume; detaching either detaches the mirror. */
  mirrorId: z.string().nullable().optional(),
});
export type AttachmentView = z.infer<typeof attachmentViewSchema>;

export const hostViewSchema = z.object({
  node: nodeViewSchema,
  attachments: z.array(attachmentViewSchema),
  mirrors: z.array(mirrorViewSchema).optional(),
  attachedBytes: z.number().int().nonnegative(),
});
export type HostView = z.infer<typeof hostViewSchema>;

export const hostRequestStates = ['pending', 'granted', 'denied', 'done', 'failed'] as const;
export type HostRequestState = (typeof hostRequestStates)[number];

export const hostRequestViewSchema = z.object({
  id: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  sizeBytes: z.number().int().positive(),
  mountPoint: z.string().nullable(),
  filesystem: z.enum(filesystemTypes).nullable(),
  state: z.enum(hostRequestStates),
  reason: z.string().nullable(),
  taskId: z.string().nullable(),
  volumeId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type HostRequestView = z.infer<typeof hostRequestViewSchema>;

const attachOptions = {
  readOnly: z.boolean().default(false),
  /** Format when the volume is empty (never over existing data) and mount. */
  filesystem: z.enum(filesystemTypes).optional(),
  mountPoint: mountPointSchema.optional(),
};

const taskResult = z.object({ taskId: z.string() });

/** StationApi methods for hosts, attachments and host requests; merged into stationApi. */
export const hostApi = {
  'host/list': { params: z.object({}).strict(), result: z.array(hostViewSchema) },
  'host/attach': {
    params: z.object({ volumeId: id, hostId: id, ...attachOptions }).strict(),
    result: taskResult,
  },
  'host/detach': {
    params: z
      .object({
        attachmentId: id,
        /** Detach even when the host or the unit is dead; data not yet written may be lost. */
        force: z.boolean().default(false),
      })
      .strict(),
    result: taskResult,
  },
  /** Makes a new volume and attaches it, as one task. */
  'host/assign': {
    params: z
      .object({
        hostId: id,
        name: volumeNameSchema.optional(),
        sizeBytes: z
          .number()
          .int()
          .min(1024 * 1024, 'a volume is at least 1 MiB'),
        unitId: id.optional(),
        placement: z.enum(placements).default('most-free'),
        /** Two volumes on two different units, mirrored by md RAID1 on the host. */
        mirrored: z.boolean().default(false),
        ...attachOptions,
      })
      .strict(),
    result: taskResult,
  },
  'request/list': {
    params: z.object({ state: z.enum(hostRequestStates).optional() }).strict(),
    result: z.array(hostRequestViewSchema),
  },
  'request/approve': { params: z.object({ id }).strict(), result: hostRequestViewSchema },
  'request/deny': {
    params: z.object({ id, reason: z.string().max(200).optional() }).strict(),
    result: hostRequestViewSchema,
  },
} as const;
