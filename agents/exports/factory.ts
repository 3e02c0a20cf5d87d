// Which target backend this unit has: tgt when a tgtd answers on the node's control port, LIO
// when the kernel has its configfs tree, else none (and export.* say what to install).
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import { daemonPaths } from '../daemon/paths.js';
import { dataDirPath } from '../inventory/data-dir.js';
import { findTool } from '../inventory/tools.js';
import type { Log } from '../log.js';
import { volumesSubdir } from '../storage/index.js';
import {
  LioBackend,
  lioAvailable,
  type BackingPolicy,
  type TargetBackend,
  type TargetBackendKind,
} from '../targets/index.js';
import { TgtBackend, Tgtadm, resolveControlPort } from '../targets/tgt/index.js';

/** What the factory looks at; injected in tests. */
export interface BackendProbes {
  /** The tgtd control port of this node (env, /etc/tgt/dvsan-control-port, or 0). */
  controlPort(): Promise<number>;
  /** True when tgtadm is installed and a tgtd answers on `port`. */
  tgtAnswers(port: number): Promise<boolean>;
  /** True when /sys/kernel/config/target exists. */
  lioPresent(): Promise<boolean>;
}

export function systemProbes(env: NodeJS.ProcessEnv): BackendProbes {
  return {
    controlPort: () => resolveControlPort(env),
    tgtAnswers: async (port) => {
      const tgtadmPath = await findTool('tgtadm', env.PATH);
      if (!tgtadmPath) return false;
      const result = await new Tgtadm({ controlPort: port, tgtadmPath, env }).tryRun([
        '--op',
        'show',
        '--mode',
        'sys',
      ]);
      return result.code === 0;
    },
    lioPresent: () => lioAvailable(),
  };
}

export type Detection =
  { kind: TargetBackendKind; controlPort: number | null } | { kind: null; reason: string };

/** Debian packages that give a unit an iSCSI target, named in the error when none is there. */
export const targetPackages = ['tgt', 'targetcli-fb'];

/**
 * tgt first: a running tgtd is a deliberate choice, and it holds port 3260, so LIO could not
 * listen there anyway. LIO when the kernel has its configfs tree.
 */
export async function detectTargetBackend(probes: BackendProbes): Promise<Detection> {
  const port = await probes.controlPort();
  if (await probes.tgtAnswers(port)) return { kind: 'tgt', controlPort: port };
  if (await probes.lioPresent()) return { kind: 'lio', controlPort: null };
  return {
    kind: null,
    reason: `no iSCSI target on this unit: no tgtd answers on control port ${port} and the kernel has no LIO (/sys/kernel/config/target). Install the Debian package "tgt" and start tgtd (systemctl enable --now tgt), or load LIO (modprobe target_core_mod iscsi_target_mod; package "targetcli-fb")`,
  };
}

/**
 * Where export backings may live: the data directory's volumes folder, and for LVM volumes
 * /dev (an LV's path resolves to /dev/dm-N or a /dev/mapper node, depending on udev). Block
 * backings are only ever LVs the agent found itself (exports/backing.ts).
 */
export function backingPolicy(env: NodeJS.ProcessEnv): BackingPolicy {
  return { fileDirs: [path.join(dataDirPath(env), volumesSubdir)], blockDirs: ['/dev'] };
}

export interface FactoryOptions {
  env: NodeJS.ProcessEnv;
  probes?: BackendProbes;
  log?: Log;
}

/** Makes the backend the unit has, or throws the error that says what to install. */
export async function createExportBackend(options: FactoryOptions): Promise<TargetBackend> {
  const { env, log } = options;
  const found = await detectTargetBackend(options.probes ?? systemProbes(env));
  const backing = backingPolicy(env);
  switch (found.kind) {
    case 'tgt':
      return new TgtBackend({
        backing,
        tgtadm: { controlPort: found.controlPort ?? 0, env },
        runDir: daemonPaths(env).runDir,
        ...(log ? { log } : {}),
      });
    case 'lio':
      return new LioBackend({ backing, ...(log ? { log } : {}) });
    default:
      throw new DvsanError('agent-error', found.reason, { packages: targetPackages });
  }
}
