import { z } from 'zod';
import { announcedRequestSchema } from './requests.js';

/**
 * Announce packets: a node's agent daemon tells the station it started, is alive, or stops.
 * UDP, one JSON object per datagram: `{ "b": <body as a JSON string>, "m": <hex HMAC-SHA256
 * of exactly those body bytes> }`. Signing the body's own bytes avoids any canonical-JSON
 * question; the key is the per-node key the station pushed at deploy time.
 */
export const announceVersion = 1;
export const announceKinds = ['startup', 'heartbeat', 'shutdown', 'request'] as const;
export type AnnounceKind = (typeof announceKinds)[number];

/** Larger datagrams are refused before parsing. */
export const maxAnnounceBytes = 4096;
/** A packet whose timestamp is further than this from the station's clock is refused. */
export const maxAnnounceSkewMs = 30_000;
export const defaultAnnouncePort = 7301;
export const defaultHeartbeatSeconds = 5;
export const defaultMissedHeartbeats = 3;
/** A heartbeat names at most this many failed attachments (the datagram stays small). */
export const maxFailedAttachments = 32;
/** A heartbeat names at most this many degraded mirrors. */
export const maxDegradedMirrors = 16;

const nicBrief = z
  .object({
    name: z.string().max(32),
    mac: z.string().max(32),
    addresses: z.array(z.string().max(64)).max(32),
  })
  .strict();

export const announceBodySchema = z
  .object({
    v: z.literal(announceVersion),
    kind: z.enum(announceKinds),
    nodeId: z.string().min(1).max(64),
    hostname: z.string().max(253),
    agentVersion: z.string().max(64),
    /** Milliseconds since the epoch, the node's clock. */
    ts: z.number().int().nonnegative(),
    /** 128 random bits, hex; each (node, nonce) is accepted once. */
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    /** Seconds between heartbeats, so the station knows when one is missed. */
    interval: z.number().int().min(1).max(3600),
    /** On startup only: the node's addresses and NICs, to notice identity changes. */
    nics: z.array(nicBrief).max(64).optional(),
    /** On heartbeats from hosts: ids of attachments whose health check fails (I/O errors, qsd gone). */
    failedAttachments: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/))
      .max(maxFailedAttachments)
      .optional(),
    /** On heartbeats from hosts: ids of md mirrors that lost a leg or stopped. */
    degradedMirrors: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/))
      .max(maxDegradedMirrors)
      .optional(),
    /** On `request` only: capacity a host asks for (`dvsan-agent request`). */
    request: announcedRequestSchema.optional(),
  })
  .strict();
export type AnnounceBody = z.infer<typeof announceBodySchema>;

export const announcePacketSchema = z
  .object({ b: z.string().max(maxAnnounceBytes), m: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

/** Why the station refused a packet; every refused packet is counted under one of these. */
export const announceRejections = [
  'oversized',
  'unparsable',
  'schema',
  'version',
  'unknown-node',
  'signature',
  'stale',
  'future',
  'replay',
] as const;
export type AnnounceRejection = (typeof announceRejections)[number];

/** The agent's daemon settings, pushed by `agent.configure` and kept 0600 on the node. */
export const agentConfigSchema = z
  .object({
    nodeId: z.string().min(1).max(64),
    /** The station's address as the node reaches it; null means "the SSH client's address". */
    stationAddress: z.string().max(64).nullable(),
    stationPort: z.number().int().min(1).max(65535),
    /** 32-byte HMAC key, hex. */
    key: z.string().regex(/^[0-9a-f]{64}$/),
    heartbeatSeconds: z.number().int().min(1).max(3600),
  })
  .strict();
export type AgentConfig = z.infer<typeof agentConfigSchema>;
