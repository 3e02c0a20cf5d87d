import { z } from 'zod';

// rtslib-fb's saveconfig.json, the file targetcli and `targetctl restore` read: one entry per
// configfs object, with the field names rtslib's dump() methods write (see saveconfig.json(5)).
// Only what dvsan handles is typed: fileio and block storage objects, iSCSI targets.

const settings = {
  attributes: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
};
const chapFields = {
  chap_userid: z.string().optional(),
  chap_password: z.string().optional(),
  chap_mutual_userid: z.string().optional(),
  chap_mutual_password: z.string().optional(),
};

export const savedStorageObjectSchema = z.looseObject({
  name: z.string().min(1),
  plugin: z.enum(['fileio', 'block']),
  dev: z.string().min(1),
  wwn: z.string().optional(),
  write_back: z.boolean().optional(),
  alua_tpgs: z.array(z.unknown()).optional(),
  /** fileio only: bytes. */
  size: z.number().int().nonnegative().optional(),
  /** fileio only. */
  aio: z.boolean().optional(),
  /** block only. */
  readonly: z.boolean().optional(),
  ...settings,
});

export const savedLunSchema = z.looseObject({
  index: z.number().int().min(0).max(65535),
  /** "/backstores/<plugin>/<name>" */
  storage_object: z.string(),
  alias: z.string().optional(),
  alua_tg_pt_gp_name: z.string().nullable().optional(),
});

export const savedPortalSchema = z.looseObject({
  ip_address: z.string(),
  port: z.number().int().min(1).max(65535),
  iser: z.boolean().optional(),
  offload: z.boolean().optional(),
});

export const savedMappedLunSchema = z.looseObject({
  index: z.number().int().min(0).max(65535),
  tpg_lun: z.number().int().min(0).max(65535),
  write_protect: z.boolean().optional(),
  alias: z.string().optional(),
});

export const savedNodeAclSchema = z.looseObject({
  node_wwn: z.string(),
  mapped_luns: z.array(savedMappedLunSchema).default([]),
  tag: z.string().optional(),
  ...chapFields,
  ...settings,
});

export const savedTpgSchema = z.looseObject({
  tag: z.number().int().min(1),
  enable: z.boolean().default(true),
  luns: z.array(savedLunSchema).default([]),
  portals: z.array(savedPortalSchema).default([]),
  node_acls: z.array(savedNodeAclSchema).default([]),
  ...chapFields,
  ...settings,
});

export const savedTargetSchema = z.looseObject({
  wwn: z.string(),
  fabric: z.string(),
  tpgs: z.array(savedTpgSchema).default([]),
});

export const savedFabricModuleSchema = z.looseObject({
  name: z.string(),
  discovery_enable_auth: z.boolean().optional(),
  discovery_userid: z.string().optional(),
  discovery_password: z.string().optional(),
  discovery_mutual_userid: z.string().optional(),
  discovery_mutual_password: z.string().optional(),
});

export const saveConfigSchema = z.looseObject({
  storage_objects: z.array(savedStorageObjectSchema).default([]),
  targets: z.array(savedTargetSchema).default([]),
  fabric_modules: z.array(savedFabricModuleSchema).default([]),
});

export type SavedStorageObject = z.infer<typeof savedStorageObjectSchema>;
export type SavedLun = z.infer<typeof savedLunSchema>;
export type SavedPortal = z.infer<typeof savedPortalSchema>;
export type SavedMappedLun = z.infer<typeof savedMappedLunSchema>;
export type SavedNodeAcl = z.infer<typeof savedNodeAclSchema>;
export type SavedTpg = z.infer<typeof savedTpgSchema>;
export type SavedTarget = z.infer<typeof savedTargetSchema>;
export type SavedFabricModule = z.infer<typeof savedFabricModuleSchema>;
export type SaveConfig = z.infer<typeof saveConfigSchema>;

/** The auth files behind the chap_* keys (TPG, NodeACL) in rtslib's order. */
export const chapFiles = [
  ['chap_userid', 'userid'],
  ['chap_password', 'password'],
  ['chap_mutual_userid', 'userid_mutual'],
  ['chap_mutual_password', 'password_mutual'],
] as const;
