// The tgt backend's public surface: the backend, the tgtadm driver, the parsers of tgtadm's
// output, the planner and dvsan's tgt-admin config file.
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
  defaultConfigPath,
  isSafeConfigValue,
  noPeerAddress,
  parseConfig,
  readConfig,
  renderConfig,
  writeConfig,
  type TgtExportRecord,
} from './config.js';
