import type { AttachParams, InitiatorBackend as BackendKind } from '../../protocol/initiators.js';
import type { Chap } from '../../protocol/volumes.js';

/** What a backend needs to log in to one LUN. */
export interface LoginSpec {
  attachmentId: string;
  target: AttachParams['target'];
  initiatorIqn: string;
  chap: Chap | null;
  readOnly: boolean;
  timeoutMs: number;
  /** An md mirror leg: a lost session fails I/O within seconds so md drops the leg. */
  mirrorLeg?: boolean;
}

/** A logged-in LUN as a block device on this host. */
export interface Session {
  device: string;
  sizeBytes: number;
  /** qemu-storage-daemon's pid (userspace); null for the kernel initiator. */
  pid: number | null;
  /** Whether the target authenticated itself too. */
  mutualChap: boolean;
}

/** A session as its record keeps it, for logout and health checks by a later agent process. */
export interface SessionRef {
  attachmentId: string;
  target: AttachParams['target'];
  device: string;
  pid: number | null;
}

/** One way of reaching iSCSI LUNs; `agents/initiators/{userspace,openiscsi}.ts`. */
export interface InitiatorBackend {
  readonly kind: BackendKind;
  /** Whether this backend can do mutual CHAP. */
  readonly mutualChap: boolean;
  /**
   * Logs in and waits (bounded by spec.timeoutMs) for the block device. Undoes its own steps
   * before it throws; login failures are 'login-failed' errors with a reason.
   */
  login(spec: LoginSpec): Promise<Session>;
  /**
   * Logs out and removes what login made. `force`: the unit may be dead, so every wait is
   * short and processes are killed. Returns warnings about what may have been lost.
   */
  logout(ref: SessionRef, force: boolean): Promise<string[]>;
  /**
   * Called once a filesystem on the device is mounted. Userspace sets the loop device to clear
   * itself when that mount goes, so a host (or lab node) torn down without a detach leaves no
   * bound loop device behind; open-iscsi has nothing to do.
   */
  afterMount(ref: SessionRef): Promise<void>;
  /** Null when the session looks healthy, else why not, in words. */
  health(ref: SessionRef): Promise<string | null>;
}
