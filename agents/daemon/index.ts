// The announce daemon and its configuration (agent.configure): public surface.
export { runDaemon, type DaemonIo } from './daemon.js';
export {
  configureAgent,
  chooseSupervisor,
  type ConfigureOptions,
  type Supervisor,
} from './configure.js';
export { signAnnounce, announceNics, identityKey, type AnnounceNic } from './packet.js';
export { daemonPaths, defaultRunDir, defaultStateDir, type DaemonPaths } from './paths.js';
export {
  readAgentConfig,
  renderAgentConfig,
  sameSettings,
  writeAgentConfig,
} from './config-file.js';
export { resolveStationAddress, sshClientAddress } from './station-address.js';
export {
  claimPidFile,
  daemonProcess,
  readPidFile,
  releasePidFile,
  runningDaemon,
} from './pid-file.js';
export { startDaemon, stopDaemon } from './process-supervisor.js';
export {
  configureSystemd,
  execRunner,
  execWord,
  renderUnit,
  unitName,
  type CommandResult,
  type CommandRunner,
} from './systemd.js';
