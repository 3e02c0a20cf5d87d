// Target backends: what a SAN unit exports over iSCSI. One interface, one folder per backend
// (lio now, tgt later), chosen by the factory below.
import { stat } from 'node:fs/promises';
import { InvalidExportError, TargetError } from './errors.js';
import { LioBackend, type LioBackendOptions } from './lio/backend.js';
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

/** The backend for `kind`; an unknown name is an error, never a silent default. */
export function createTargetBackend(kind: string, options: LioBackendOptions): TargetBackend {
  switch (kind) {
    case 'lio':
      return new LioBackend(options);
    case 'tgt':
      throw new TargetError('agent-error', 'the tgt target backend is not available yet');
    default:
      throw new InvalidExportError(`unknown target backend "${kind.slice(0, 32)}"`);
  }
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
