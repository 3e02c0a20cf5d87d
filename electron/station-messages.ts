// What main and the station's utility process say to each other: plain data only, since
// every message is structured-cloned across the process boundary.
import type { StationTransport } from '../protocol/client.js';
import type { StationEvent } from '../protocol/station-api.js';

export type Answer = Awaited<ReturnType<StationTransport['call']>>;

export interface StartOptions {
  dataDir: string;
  agentBundlePath?: string;
  /** From the OS keychain (safeStorage), hex; it travels in a message, never in argv or env. */
  secretKeyHex?: string;
}

export type ToStation =
  | { type: 'start'; options: StartOptions }
  | { type: 'call'; id: number; method: string; params: unknown }
  | { type: 'close' };

export type FromStation =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'answer'; id: number; answer: Answer }
  | { type: 'event'; event: StationEvent }
  | { type: 'closed' };
