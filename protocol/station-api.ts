import { z } from 'zod';
import { inventorySchema } from './inventory.js';
import {
  addressSchema,
  fingerprintSchema,
  nodeAuthSchema,
  nodeNameSchema,
  nodeRoles,
  nodeViewSchema,
  portSchema,
  userSchema,
} from './nodes.js';
import { taskApi, taskSchema } from './tasks.js';
import { hostApi, hostRequestViewSchema, hostViewSchema, requestPolicySchema } from './hosts.js';
import { announceRejections } from './announce.js';
import { reportApi } from './reports.js';
import { alertApi, eventListParamsSchema } from './alerts.js';
import { userApi } from './users.js';
import {
  iqnSchema,
  placements,
  reconcileReportSchema,
  volumeNameSchema,
  volumeViewSchema,
} from './volumes.js';
import {
  poolViewSchema,
  settingsSchema,
  stationEventRecordSchema,
  thresholdsSchema,
} from './pool.js';

const id = z.string().min(1).max(64);
const empty = z.object({}).strict();

/**
 * The one contract between every client (console, CLI, Electron preload) and the station:
 * `'domain/verb'` -> params schema and result schema. Clients are generic over this map.
 */
export const stationApi = {
  'station/info': {
    params: empty,
    result: z.object({
      version: z.string(),
      agentVersion: z.string(),
      dataDir: z.string(),
      /** SHA-256 of the station's TLS certificate, when it serves HTTPS. */
      tlsFingerprint: z.string().nullable().optional(),
    }),
  },
  'node/list': { params: empty, result: z.array(nodeViewSchema) },
  'node/get': { params: z.object({ id }).strict(), result: nodeViewSchema },
  'node/add': {
    params: z
      .object({
        name: nodeNameSchema,
        role: z.enum(nodeRoles),
        address: addressSchema,
        port: portSchema.default(22),
        user: userSchema.default('root'),
        auth: nodeAuthSchema,
        /** Trust on first use: `true` accepts the key shown; a fingerprint must match it. */
        acceptFingerprint: z.union([z.literal(true), fingerprintSchema]).optional(),
      })
      .strict(),
    result: nodeViewSchema,
  },
  'node/trustHostKey': {
    params: z.object({ id, fingerprint: fingerprintSchema }).strict(),
    result: nodeViewSchema,
  },
  'node/remove': { params: z.object({ id }).strict(), result: z.object({ removed: z.boolean() }) },
  'node/deploy': {
    params: z.object({ ids: z.array(id).min(1).max(1000) }).strict(),
    result: z.object({ taskId: z.string() }),
  },
  'node/inventory': {
    params: z.object({ id, refresh: z.boolean().default(false) }).strict(),
    result: inventorySchema,
  },
  'node/sudoersRule': {
    params: z.object({ user: userSchema }).strict(),
    result: z.object({ rule: z.string() }),
  },
  'node/setSpare': {
    params: z.object({ id, spare: z.boolean() }).strict(),
    result: nodeViewSchema,
  },
  'pool/get': { params: empty, result: poolViewSchema },
  'settings/get': { params: empty, result: settingsSchema },
  'settings/update': {
    params: z
      .object({
        thresholds: thresholdsSchema.optional(),
        heartbeatSeconds: z.number().int().min(1).max(3600).optional(),
        missedHeartbeats: z.number().int().min(1).max(100).optional(),
        taskConcurrency: z.number().int().min(1).max(64).optional(),
        requestPolicy: requestPolicySchema.optional(),
      })
      .strict(),
    result: settingsSchema,
  },
  'event/list': {
    params: eventListParamsSchema,
    result: z.array(stationEventRecordSchema),
  },
  'announce/stats': {
    params: empty,
    result: z.object({
      accepted: z.number().int(),
      rejected: z.record(z.enum(announceRejections), z.number().int()),
    }),
  },
  'volume/list': { params: empty, result: z.array(volumeViewSchema) },
  'volume/create': {
    params: z
      .object({
        name: volumeNameSchema,
        sizeBytes: z
          .number()
          .int()
          .min(1024 * 1024, 'a volume is at least 1 MiB'),
        /** A unit chosen by the admin; otherwise the allocator picks one. */
        unitId: id.optional(),
        placement: z.enum(placements).default('most-free'),
        shared: z.boolean().default(false),
        preallocate: z.boolean().default(false),
      })
      .strict(),
    result: volumeViewSchema,
  },
  'volume/resize': {
    params: z.object({ id, sizeBytes: z.number().int().positive() }).strict(),
    result: volumeViewSchema,
  },
  'volume/delete': {
    params: z
      .object({ id, force: z.boolean().default(false), confirm: z.string().optional() })
      .strict(),
    result: z.object({ deleted: z.boolean() }),
  },
  'volume/export': {
    params: z.object({ id, initiatorIqn: iqnSchema, hostId: id.optional() }).strict(),
    result: volumeViewSchema,
  },
  'volume/unexport': {
    params: z.object({ id, initiatorIqn: iqnSchema }).strict(),
    result: volumeViewSchema,
  },
  'unit/reconcile': {
    params: z.object({ id, apply: z.boolean().default(false) }).strict(),
    result: reconcileReportSchema,
  },
  ...hostApi,
  ...reportApi,
  ...taskApi,
  ...userApi,
  ...alertApi,
} as const;

export type StationApi = typeof stationApi;
export type StationMethod = keyof StationApi;
/** Params as a caller writes them (defaults may be left out). */
export type Params<M extends StationMethod> = z.input<StationApi[M]['params']>;
/** Params as a handler receives them (defaults filled in). */
export type ParsedParams<M extends StationMethod> = z.output<StationApi[M]['params']>;
export type Result<M extends StationMethod> = z.output<StationApi[M]['result']>;

/** The live event stream, the same over WebSocket and Electron IPC. */
export const stationEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('node.updated'), node: nodeViewSchema }),
  z.object({ type: z.literal('node.removed'), id: z.string() }),
  z.object({ type: z.literal('task.updated'), task: taskSchema }),
  z.object({ type: z.literal('pool.updated'), pool: poolViewSchema }),
  z.object({ type: z.literal('event.created'), event: stationEventRecordSchema }),
  z.object({ type: z.literal('event.updated'), event: stationEventRecordSchema }),
  z.object({ type: z.literal('volume.updated'), volume: volumeViewSchema }),
  z.object({ type: z.literal('volume.removed'), id: z.string() }),
  z.object({ type: z.literal('host.updated'), host: hostViewSchema }),
  z.object({ type: z.literal('request.updated'), request: hostRequestViewSchema }),
]);
export type StationEvent = z.infer<typeof stationEventSchema>;

export function isStationMethod(name: string): name is StationMethod {
  return Object.prototype.hasOwnProperty.call(stationApi, name);
}
