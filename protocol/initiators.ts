import { z } from 'zod';
import { chapSchema, iqnSchema } from './volumes.js';

/** How a host reaches iSCSI LUNs: the kernel's open-iscsi, or qemu-storage-daemon + FUSE + loop. */
export const initiatorBackends = ['open-iscsi', 'userspace'] as const;
export type InitiatorBackend = (typeof initiatorBackends)[number];

/** Why a login failed, as `details.reason` of a 'login-failed' error. */
export const loginFailureReasons = [
  'portal-unreachable',
  'chap-rejected',
  'acl-denied',
  'target-missing',
  'timeout',
] as const;
export type LoginFailureReason = (typeof loginFailureReasons)[number];

export const filesystemTypes = ['ext4', 'xfs'] as const;

/** Attachment ids name files, units and processes on the host, so they stay plain. */
export const attachmentIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use 1-64 lowercase letters, digits and dashes');

/**
 * An absolute mount point, already normalized (no `.`, `..`, `//` or trailing slash), so the
 * path the station stores is the path the host mounts. System paths are refused by the agent.
 */
export const mountPointSchema = z
  .string()
  .max(1024)
  .refine(
    (p) =>
      p.startsWith('/') &&
      p !== '/' &&
      !p.endsWith('/') &&
      p
        .split('/')
        .slice(1)
        .every((part) => part !== '' && part !== '.' && part !== '..'),
    'must be an absolute, normalized path such as /mnt/data (no ., .., // or trailing /)',
  )
  // eslint-disable-next-line no-control-regex
  .refine((p) => !/[\x00-\x1f\x7f]/.test(p), 'must not contain control characters');

export const initiatorTargetSchema = z
  .object({
    iqn: iqnSchema,
    portal: z
      .object({ address: z.string().min(1).max(64), port: z.number().int().min(1).max(65535) })
      .strict(),
    lun: z.number().int().min(0).max(16383).default(1),
  })
  .strict();

export const attachParamsSchema = z
  .object({
    attachmentId: attachmentIdSchema,
    target: initiatorTargetSchema,
    /** The name the host logs in with; the export's ACL must list it. */
    initiatorIqn: iqnSchema,
    chap: chapSchema.nullable(),
    readOnly: z.boolean().default(false),
    /** Absent: the block device only, nothing formatted or mounted. */
    filesystem: z
      .object({
        type: z.enum(filesystemTypes),
        /** 'if-empty' formats only a device with no signature at all (blkid -p). */
        format: z.enum(['if-empty', 'never']),
      })
      .strict()
      .optional(),
    /** Needs `filesystem`. Created when missing; an existing directory must be empty. */
    mountPoint: mountPointSchema.optional(),
    /** Mount again at boot (a systemd .mount unit); only where systemd supervises the agent. */
    persistent: z.boolean().default(false),
    /**
     * A leg of an md mirror: open-iscsi gives up on a lost session after 5 s instead of 120 s,
     * so md drops the leg and I/O goes on with the other. Absent (not false) when unset, so
     * existing attachments keep their request key.
     */
    mirrorLeg: z.literal(true).optional(),
    /** Login plus device wait; default 20 s. */
    timeoutMs: z.number().int().min(1000).max(300_000).default(20_000),
  })
  .strict();
export type AttachParams = z.infer<typeof attachParamsSchema>;

export const attachResultSchema = z.object({
  attachmentId: attachmentIdSchema,
  backend: z.enum(initiatorBackends),
  /** The block device, e.g. /dev/loop3 or /dev/sdb. */
  device: z.string(),
  mountPoint: z.string().nullable(),
  /** True when this call made the filesystem. */
  formatted: z.boolean(),
  sizeBytes: z.number().int().nonnegative(),
  /** qemu-storage-daemon's pid (userspace); null for open-iscsi. */
  pid: z.number().int().positive().nullable(),
  /** Whether the target proved itself too (mutual CHAP asked for and done). */
  mutualChap: z.boolean(),
  persistent: z.boolean(),
});
export type AttachResult = z.infer<typeof attachResultSchema>;

export const attachmentStates = ['ok', 'failed'] as const;

export const attachmentStatusSchema = z.object({
  attachmentId: attachmentIdSchema,
  backend: z.enum(initiatorBackends),
  targetIqn: z.string(),
  portal: z.object({ address: z.string(), port: z.number().int() }),
  device: z.string(),
  mountPoint: z.string().nullable(),
  readOnly: z.boolean(),
  pid: z.number().int().positive().nullable(),
  state: z.enum(attachmentStates),
  /** Why the health check failed: process gone, device gone, I/O errors in the log. */
  error: z.string().nullable(),
});
export type AttachmentStatus = z.infer<typeof attachmentStatusSchema>;

/** What a host's inventory says about its initiator; null when it has none usable. */
export const initiatorInfoSchema = z.object({
  backend: z.enum(initiatorBackends),
  /** The host's initiator name; the station exports to it. */
  iqn: iqnSchema,
  /** Whether the backend can authenticate the target (mutual CHAP). */
  mutualChap: z.boolean(),
});
export type InitiatorInfo = z.infer<typeof initiatorInfoSchema>;

/** Agent RPC methods of a host's initiator; merged into agentMethods. */
export const initiatorAgentMethods = {
  /**
   * Logs in, waits for the block device, optionally formats and mounts it. Idempotent: the
   * same id and the same request again returns the existing attachment; a different request
   * under an existing id is a 'conflict'. A failure undoes everything this call did. Login
   * failures are 'login-failed' with `details.reason` in loginFailureReasons.
   */
  'initiator.attach': {
    params: attachParamsSchema,
    result: attachResultSchema,
  },
  /**
   * Unmounts, logs out, cleans up. An unknown id answers detached: false. `force` is for a
   * dead unit: bounded waits, lazy unmount, kill; `warnings` say what may have been lost.
   */
  'initiator.detach': {
    params: z
      .object({ attachmentId: attachmentIdSchema, force: z.boolean().default(false) })
      .strict(),
    result: z.object({ detached: z.boolean(), warnings: z.array(z.string()) }),
  },
  /** Every attachment this host keeps, each with a fresh health check. */
  'initiator.list': {
    params: z.object({}).strict(),
    result: z.object({
      backend: z.enum(initiatorBackends).nullable(),
      initiatorIqn: z.string().nullable(),
      mutualChap: z.boolean(),
      attachments: z.array(attachmentStatusSchema),
    }),
  },
} as const;
