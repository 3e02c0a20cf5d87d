// The one place the desktop shell depends on the station core. Main hosts the station in its
// own process for now; the next step is to run it in an Electron utilityProcess with a
// MessagePort per window (see STYLE.md, "Desktop shell"), which changes only this module.
import type { StationTransport } from '../protocol/client.js';
import { createStation } from '../station/index.js';

export interface HostedStation {
  transport: StationTransport;
  close(): Promise<void>;
}

export function startStation(opts: {
  dataDir: string;
  agentBundlePath?: string;
  /** From the OS keychain (safeStorage); without it the station keeps a 0600 key file. */
  secretKey?: Buffer;
}): Promise<HostedStation> {
  return createStation(opts);
}
