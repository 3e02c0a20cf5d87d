// The local lab's public surface: a SAN of Linux nodes (units and hosts), each a network
// namespace with its own sshd, reachable from the station over a bridge. Needs root.
export { labUp, type LabContext } from './up.js';
export { labDown, type LabDownOptions, type LabDownReport } from './down.js';
export { labStatus, type LabNodeStatus, type LabStatus } from './status.js';
export { nodeExec, regenerateHostKey } from './exec.js';
export { restartTgtd, startTgtd, stopTgtd } from './tgtd.js';
export {
  readLabState,
  tryReadLabState,
  labStateSchema,
  type LabNode,
  type LabRef,
  type LabState,
} from './state.js';
export {
  assertRoot,
  defaultLabDir,
  planLab,
  type LabPlan,
  type LabRole,
  type LabUpOptions,
  type PlannedNode,
} from './plan.js';
export type { RunOptions, RunResult } from './run.js';
export { registerLabCommands } from './cli.js';
