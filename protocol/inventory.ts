import { z } from 'zod';
import { initiatorInfoSchema } from './initiators.js';
import { mirrorSupportSchema } from './mirrors.js';

export const nicSchema = z.object({
  name: z.string(),
  mac: z.string(),
  speedMbps: z.number().int().nullable(),
  addresses: z.array(
    z.object({
      address: z.string(),
      family: z.enum(['IPv4', 'IPv6']),
      cidr: z.string().nullable(),
    }),
  ),
});

export const diskSchema = z.object({
  name: z.string(),
  sizeBytes: z.number().nonnegative(),
  type: z.string(),
  model: z.string().nullable(),
  mountpoint: z.string().nullable(),
});

export const toolNames = [
  'tgtadm',
  'targetcli',
  'iscsiadm',
  'iscsi-ls',
  'qemu-storage-daemon',
  'lsblk',
] as const;

/** What `node.inventory` answers: the node as the agent sees it. */
export const inventorySchema = z.object({
  hostname: z.string(),
  os: z.object({
    id: z.string(),
    version: z.string(),
    prettyName: z.string(),
    kernel: z.string(),
    arch: z.string(),
  }),
  cpu: z.object({ model: z.string(), cores: z.number().int().positive() }),
  memoryBytes: z.number().nonnegative(),
  nics: z.array(nicSchema),
  disks: z.array(diskSchema),
  dataDir: z.object({
    path: z.string(),
    totalBytes: z.number().nonnegative(),
    freeBytes: z.number().nonnegative(),
  }),
  tools: z.record(z.enum(toolNames), z.string().nullable()),
  agent: z.object({ version: z.string(), node: z.string() }),
  /** Hosts: the iSCSI initiator the agent would attach with; null when there is none. */
  initiator: initiatorInfoSchema.nullable().optional(),
  /** Hosts: whether md RAID1 mirrors can be made here (mdadm and the kernel's md). */
  mirror: mirrorSupportSchema.optional(),
});
export type Inventory = z.infer<typeof inventorySchema>;
export type Nic = z.infer<typeof nicSchema>;
export type Disk = z.infer<typeof diskSchema>;
