import { z } from 'zod';
import { filesystemTypes, mountPointSchema } from './initiators.js';
import { hostRequestStates } from './hosts.js';

/** 128 random bits, hex: made by the host, so a resent datagram names the same request. */
export const requestIdSchema = z.string().regex(/^[0-9a-f]{32}$/);

/** What `dvsan-agent request` asks for, carried in a signed `request` announce. */
export const announcedRequestSchema = z
  .object({
    id: requestIdSchema,
    sizeBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(2 ** 50),
    mountPoint: mountPointSchema.optional(),
    filesystem: z.enum(filesystemTypes).optional(),
  })
  .strict();

/** The station's answer, kept on the host for the waiting command to read. */
export const requestStatusSchema = z
  .object({
    id: requestIdSchema,
    state: z.enum(hostRequestStates),
    message: z.string().max(1000),
    result: z
      .object({ volume: z.string(), device: z.string(), mountPoint: z.string().nullable() })
      .strict()
      .optional(),
  })
  .strict();
export type RequestStatus = z.infer<typeof requestStatusSchema>;

/** Agent RPC methods for host requests; merged into agentMethods. */
export const requestAgentMethods = {
  'request.status': {
    params: requestStatusSchema,
    result: z.object({ stored: z.boolean() }),
  },
} as const;
