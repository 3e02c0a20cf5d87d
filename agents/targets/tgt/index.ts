// The tgt backend's public surface: the backend, the tgtadm driver, the parsers of tgtadm's
// output, the planner, the view kept between calls and dvsan's tgt-admin config files.
export { TgtBackend, tgtLockPath, type TgtBackendOptions } from './backend.js';
export {
  Tgtadm,
  TgtadmError,
  controlPortFile,
  execRunner,
  redactArgs,
  resolveControlPort,
  tgtPackage,
  tgtdNotRunningExit,
  type CommandResult,
  type TgtadmOptions,
  type TgtRunner,
} from './tgtadm.js';
export {
  isAddressRule,
  lowestFreeTid,
  parseAccounts,
  parsePortals,
  parseTargets,
  type TgtLun,
  type TgtPortal,
  type TgtSession,
  type TgtTarget,
} from './show.js';
export {
  knownSecrets,
  planEnsure,
  planRemove,
  portalCovered,
  wantedAccounts,
  type EnsurePlan,
  type LiveState,
  type Step,
} from './plan.js';
export {
  TgtConfigError,
  isSafeConfigValue,
  noPeerAddress,
  parseConfig,
  readConfig,
  renderConfig,
  type TgtExportRecord,
} from './config.js';
export { TgtConfigDir, defaultConfigDir, exportFileName, legacyConfigName } from './conf-dir.js';
export { applyStep } from './apply.js';
export {
  TgtGeneration,
  socketInstance,
  tgtGenerationPath,
  tgtdSocketPath,
  type TgtdInstance,
} from './stamp.js';
