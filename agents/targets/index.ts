// Target backends: what a SAN unit exports over iSCSI. One interface, one folder per backend
// (lio, tgt); agents/exports/factory.ts chooses one from what the unit has.
import { stat } from 'node:fs/promises';
import { defaultConfigfsRoot } from './lio/configfs.js';
import type { ExportSpec } from './spec.js';

/** What a unit exports, as its kernel or daemon has it. No CHAP secrets in here. */
export interface TargetInfo {
  iqn: string;
  enabled: boolean;
  luns: {
    index: number;
    /** null when the LUN's backing is broken. */
    backing: { kind: 'file' | 'block'; path: string; sizeBytes: number } | null;
  }[];
  acls: {
    initiatorIqn: string;
    /** The CHAP user name, null without CHAP. */
    chapUser: string | null;
    /** Mutual CHAP credentials are set. */
    mutual: boolean;
    mappedLuns: number[];
  }[];
  portals: { address: string; port: number }[];
}

/** Every target backend implements exactly this. */
export interface TargetBackend {
  readonly kind: 'lio' | 'tgt';
  listTargets(): Promise<TargetInfo[]>;
  /** One target, null when there is none. May answer from what the backend already holds. */
  describeTarget(iqn: string): Promise<TargetInfo | null>;
  /** The backing paths some target exports. May answer from what the backend already holds. */
  exportedBackings(): Promise<Set<string>>;
  /** Idempotent: target, TPG, portal, LUN, ACLs with CHAP; ACLs and portals not in the spec go. */
  ensureExport(spec: ExportSpec): Promise<void>;
  /** Idempotent: the target and its backing storage object go; the data stays. */
  removeExport(iqn: string): Promise<void>;
}

export type TargetBackendKind = TargetBackend['kind'];

/** Whether this kernel has LIO's configfs tree (configfs mounted, target_core_mod loaded). */
export async function lioAvailable(configfsRoot = defaultConfigfsRoot): Promise<boolean> {
  return (await stat(configfsRoot).catch(() => null))?.isDirectory() ?? false;
}

export {
  TargetError,
  InvalidExportError,
  ExportConflictError,
  TargetNotFoundError,
  LockTimeoutError,
  ConfigfsError,
  SaveConfigError,
} from './errors.js';
export {
  iqnMaxBytes,
  dvsanIqnPrefix,
  iqnProblem,
  isValidIqn,
  assertIqn,
  buildVolumeIqn,
  parseVolumeIqn,
} from './iqn.js';
export {
  exportSpecSchema,
  validateExportSpec,
  probeBacking,
  canonicalAddress,
  type ExportSpec,
  type ChapCredentials,
  type BackingPolicy,
  type BackingProbe,
  type ProbeBacking,
} from './spec.js';
export { FlockLock, targetcliLockPath, type TargetLock, type FlockLockOptions } from './lock.js';
export { LioBackend, type LioBackendOptions } from './lio/backend.js';
