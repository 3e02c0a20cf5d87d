import { z } from 'zod';
import { inventorySchema } from './inventory.js';
import { nodeHealths } from './pool.js';

export const nodeRoles = ['unit', 'host'] as const;
export type NodeRole = (typeof nodeRoles)[number];

/** DNS label rules: the name is used in IQNs and file names later, so it stays plain. */
export const nodeNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'use 1-63 lowercase letters, digits and dashes, starting with a letter or digit',
  );

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const hostname =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = /^[0-9A-Fa-f:.]{2,45}$/;
export const addressSchema = z
  .string()
  .min(1, 'the address is empty')
  .refine(
    (a) =>
      ipv4.test(a) ||
      (a.includes(':') && ipv6.test(a)) ||
      (!/^[\d.]+$/.test(a) && hostname.test(a)),
    'not an IPv4/IPv6 address or host name',
  );
export const portSchema = z
  .number()
  .int()
  .min(1, 'port must be 1-65535')
  .max(65535, 'port must be 1-65535');
export const userSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'not a valid Linux user name');
/** OpenSSH's form: "SHA256:" followed by unpadded base64 of the key's SHA-256. */
export const fingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH SHA256 fingerprint');

export const nodeAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), keyPath: z.string().min(1, 'the key file path is empty') }),
  z.object({ kind: z.literal('agent') }),
  z.object({
    kind: z.literal('password'),
    password: z.string().min(1, 'the password is empty').max(1024),
    /** Saved passwords are encrypted at rest; unsaved ones live in memory until restart. */
    save: z.boolean().default(false),
  }),
]);
export type NodeAuth = z.infer<typeof nodeAuthSchema>;

export const hostKeyStates = ['pending', 'trusted'] as const;
export const nodeStates = ['new', 'deploying', 'ready', 'error'] as const;

/** A node as every client sees it. Secrets never appear here. */
export const nodeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(nodeRoles),
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  authKind: z.enum(['key', 'agent', 'password']),
  keyPath: z.string().nullable(),
  hostKey: z.object({ fingerprint: z.string(), state: z.enum(hostKeyStates) }),
  state: z.enum(nodeStates),
  /** Up/down as the announce protocol sees it: unknown until the first announce. */
  health: z.enum(nodeHealths),
  lastSeenAt: z.string().nullable(),
  /** Watched but held back for recovery: its capacity is not allocatable. */
  spare: z.boolean(),
  lastError: z.string().nullable(),
  agent: z.object({
    version: z.string().nullable(),
    runtime: z.string().nullable(),
    deployedAt: z.string().nullable(),
  }),
  inventory: inventorySchema.nullable(),
  createdAt: z.string(),
});
export type NodeView = z.infer<typeof nodeViewSchema>;
