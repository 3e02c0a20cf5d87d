// The LIO backend's public surface: the backend, and the configfs objects it is built from
// (one class per kernel object kind, as in rtslib-fb) for the VM tier and for restore tools.
export { LioBackend, unitSerialFor, type LioBackendOptions } from './backend.js';
export {
  defaultConfigfsRoot,
  nodeConfigFs,
  type ConfigFs,
  type EntryStat,
  type LioContext,
} from './configfs.js';
export { CfsNode, type CreateMode } from './node.js';
export {
  StorageObject,
  listHbas,
  parseInfo,
  type Plugin,
  type StorageConfig,
} from './storage-object.js';
export { FabricModule, Target } from './target.js';
export { TPG, denyByDefaultAttributes } from './tpg.js';
export { LUN, aliasFor } from './lun.js';
export { NetworkPortal, portalDirName, parsePortalDirName } from './portal.js';
export { NodeACL, type AclChap } from './node-acl.js';
export { MappedLUN } from './mapped-lun.js';
export { LioRoot } from './root.js';
export { restoreConfig, parseSaveConfig, type RestoreOptions } from './restore.js';
export {
  debianSaveConfigPath,
  upstreamSaveConfigPath,
  defaultSaveConfigPath,
  serializeSaveConfig,
  writeSaveConfig,
  readSaveConfig,
  nodeSaveFileOps,
  type SaveFileOps,
} from './saveconfig.js';
export { saveConfigSchema, type SaveConfig } from './saved.js';
