import { z } from 'zod';
import { storageVolumeSchema } from './storage.js';

/** Volume ids and names: they end up in IQNs and file names, so they stay plain. */
export const volumeNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'use 1-63 lowercase letters, digits and dashes, starting with a letter or digit',
  );

/** RFC 3720 iqn. names as dvsan writes them: lowercase, no spaces, at most 223 bytes. */
export const iqnSchema = z
  .string()
  .max(223)
  .regex(
    /^iqn\.\d{4}-\d{2}\.[a-z0-9][a-z0-9.-]*(:[a-z0-9.:-]+)?$/,
    'not a valid iqn. name (RFC 3720)',
  );

export const chapSchema = z
  .object({
    user: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    secret: z
      .string()
      .min(12)
      .max(16)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    mutualUser: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\x21-\x7e]+$/)
      .optional(),
    mutualSecret: z
      .string()
      .min(12)
      .max(16)
      .regex(/^[\x21-\x7e]+$/)
      .optional(),
  })
  .strict();
export type Chap = z.infer<typeof chapSchema>;

export const exportAclSchema = z
  .object({ initiatorIqn: iqnSchema, chap: chapSchema.nullable() })
  .strict();

/** What a unit exports, as its target backend reports it. Secrets never appear here. */
export const exportInfoSchema = z.object({
  iqn: z.string(),
  backing: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  portal: z.object({ address: z.string(), port: z.number().int() }),
  acls: z.array(
    z.object({ initiatorIqn: z.string(), chapUser: z.string().nullable(), mutual: z.boolean() }),
  ),
});
export type ExportInfo = z.infer<typeof exportInfoSchema>;

/** Agent RPC methods for volumes and exports on a unit; merged into agentMethods. */
export const volumeAgentMethods = {
  /** Idempotent: the same id and size again returns the existing volume. */
  'volume.create': {
    params: z
      .object({
        id: volumeNameSchema,
        sizeBytes: z.number().int().positive(),
        /** Pool id from storage.inventory; the first directory pool when absent. */
        pool: z.string().max(256).optional(),
        preallocate: z.boolean().default(false),
      })
      .strict(),
    result: storageVolumeSchema,
  },
  /** Grow only. */
  'volume.resize': {
    params: z.object({ id: volumeNameSchema, sizeBytes: z.number().int().positive() }).strict(),
    result: storageVolumeSchema,
  },
  /** Idempotent; refused while the volume is exported. */
  'volume.delete': {
    params: z.object({ id: volumeNameSchema }).strict(),
    result: z.object({ deleted: z.boolean() }),
  },
  /**
   * Makes the unit export exactly this: one target for the volume, deny by default, one ACL
   * per initiator (with CHAP), the given portal. Idempotent; ACLs not listed are removed.
   */
  'export.ensure': {
    params: z
      .object({
        iqn: iqnSchema,
        volumeId: volumeNameSchema,
        portal: z
          .object({ address: z.string().max(64), port: z.number().int().min(1).max(65535) })
          .strict(),
        acls: z.array(exportAclSchema).max(64),
      })
      .strict(),
    result: exportInfoSchema,
  },
  'export.remove': {
    params: z.object({ iqn: iqnSchema }).strict(),
    result: z.object({ removed: z.boolean() }),
  },
  'export.list': {
    params: z.object({}).strict(),
    result: z.object({
      backend: z.enum(['tgt', 'lio']).nullable(),
      exports: z.array(exportInfoSchema),
    }),
  },
} as const;

export const placements = ['most-free', 'spread'] as const;

/** A volume as every client sees it. CHAP secrets never appear here. */
export const volumeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  pool: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  allocatedBytes: z.number().int().nonnegative().nullable(),
  /** May be exported to several hosts (never mount a non-cluster filesystem on two at once). */
  shared: z.boolean(),
  iqn: z.string(),
  exports: z.array(
    z.object({
      initiatorIqn: z.string(),
      hostId: z.string().nullable(),
      hostName: z.string().nullable(),
    }),
  ),
  createdAt: z.string(),
});
export type VolumeView = z.infer<typeof volumeViewSchema>;

export const reconcileReportSchema = z.object({
  unitId: z.string(),
  /** Desired exports the unit did not have (re-created when applying). */
  missing: z.array(z.string()),
  /** Exports whose ACLs or backing differed from what the station wants (repaired when applying). */
  drifted: z.array(z.string()),
  /** dvsan-owned targets (by IQN prefix) the station does not know: removed only when applying. */
  leftovers: z.array(z.string()),
  applied: z.boolean(),
});
export type ReconcileReport = z.infer<typeof reconcileReportSchema>;
