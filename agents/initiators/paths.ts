import path from 'node:path';
import { daemonPaths } from '../daemon/paths.js';

/** Where the initiator keeps its records, per-attachment runtime files and its lock. */
export interface InitiatorPaths {
  /** One JSON record per attachment, `<id>.json` (0600): a new agent process knows them. */
  recordDir: string;
  /** Per attachment `<id>/`: qsd's secret, FUSE file, pid file and log (0700). */
  runDir: string;
  lockFile: string;
  /** The host's initiator name, open-iscsi's file. */
  initiatorNameFile: string;
  /** systemd mount units of persistent attachments. */
  unitDir: string;
}

/** `DVSAN_STATE_DIR`/`DVSAN_RUN_DIR` move state and runtime files, `DVSAN_ISCSI_DIR` /etc/iscsi. */
export function initiatorPaths(env: NodeJS.ProcessEnv): InitiatorPaths {
  const daemon = daemonPaths(env);
  const iscsiDir = path.resolve(env.DVSAN_ISCSI_DIR || '/etc/iscsi');
  return {
    recordDir: path.join(daemon.stateDir, 'initiators'),
    runDir: path.join(daemon.runDir, 'initiators'),
    lockFile: path.join(daemon.runDir, 'initiators.lock'),
    initiatorNameFile: path.join(iscsiDir, 'initiatorname.iscsi'),
    unitDir: env.DVSAN_SYSTEMD_UNIT_DIR || '/etc/systemd/system',
  };
}
