import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type { Writable } from 'node:stream';
import {
  announceVersion,
  maxDegradedMirrors,
  type AgentConfig,
  type AnnounceKind,
} from '../../protocol/announce.js';
import type { Log } from '../log.js';
import { agentVersion } from '../version.js';
import { createInitiator } from '../initiators/handlers.js';
import { failedAttachmentIds } from './attachment-health.js';
import { mirrorHealer } from './mirror-healing.js';
import { readAgentConfig } from './config-file.js';
import { announceNics, identityKey, signAnnounce, type AnnounceNic } from './packet.js';
import { daemonPaths } from './paths.js';
import { claimPidFile, releasePidFile } from './pid-file.js';
import { createSender, type AnnounceSender } from './sender.js';

export interface DaemonIo {
  env: NodeJS.ProcessEnv;
  stderr: Writable;
  log: Log;
}

/** How long the final shutdown announce may take before the daemon exits anyway. */
const shutdownSendMs = 1000;

interface Identity {
  hostname: string;
  nics: AnnounceNic[];
  key: string;
}

function readIdentity(): Identity {
  const hostname = os.hostname();
  const nics = announceNics(os.networkInterfaces());
  return { hostname, nics, key: identityKey(hostname, nics) };
}

/**
 * `dvsan-agent daemon`: announces this node to the station until SIGTERM/SIGINT. Returns the
 * exit code: 0 after a clean stop, 2 for missing or invalid settings, 1 when another daemon
 * already runs.
 */
export async function runDaemon(io: DaemonIo): Promise<number> {
  const paths = daemonPaths(io.env);
  const read = await readAgentConfig(paths.configFile);
  if (!read.ok) {
    io.stderr.write(`dvsan-agent daemon: ${read.reason}\n`);
    return 2;
  }
  const config = read.config;
  const station = config.stationAddress;
  if (station === null) {
    // agent.configure always stores a concrete address; a hand-edited file may not.
    io.stderr.write(`dvsan-agent daemon: ${paths.configFile} has no stationAddress\n`);
    return 2;
  }
  try {
    await mkdir(paths.runDir, { recursive: true, mode: 0o755 });
    await claimPidFile(paths.pidFile);
  } catch (err) {
    io.stderr.write(`dvsan-agent daemon: ${(err as Error).message}\n`);
    return 1;
  }
  const sender = createSender(station, config.stationPort);
  io.log('info', 'announce daemon started', {
    nodeId: config.nodeId,
    station: station.includes(':')
      ? `[${station}]:${config.stationPort}`
      : `${station}:${config.stationPort}`,
    heartbeatSeconds: config.heartbeatSeconds,
  });
  const initiator = createInitiator(io.env);
  try {
    await announceUntilStopped(config, sender, io.log, {
      failedAttachments: () => initiator.service.failedAttachments(),
      degradedMirrors: () => initiator.mirrors.degraded(),
      healMirrors: mirrorHealer(() => initiator.mirrors.heal(), io.log),
    });
  } finally {
    sender.close();
    await releasePidFile(paths.pidFile).catch(() => undefined);
  }
  io.log('info', 'announce daemon stopped');
  return 0;
}

function announceUntilStopped(
  config: AgentConfig,
  sender: AnnounceSender,
  log: Log,
  checks: {
    failedAttachments: () => Promise<string[]>;
    degradedMirrors: () => Promise<string[]>;
    healMirrors: () => Promise<void>;
  },
): Promise<void> {
  const intervalMs = config.heartbeatSeconds * 1000;
  let identity = readIdentity();
  // Until a startup has left the node, every tick sends a startup rather than a heartbeat.
  let startupPending = true;
  let failing = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const announce = async (
    kind: AnnounceKind,
    timeoutMs = Math.min(intervalMs, 5000),
    health?: { failed?: string[] | undefined; degraded?: string[] | undefined },
  ): Promise<boolean> => {
    const packet = signAnnounce(
      {
        v: announceVersion,
        kind,
        nodeId: config.nodeId,
        hostname: identity.hostname,
        agentVersion,
        ts: Date.now(),
        nonce: randomBytes(16).toString('hex'),
        interval: config.heartbeatSeconds,
        ...(kind === 'startup' ? { nics: identity.nics } : {}),
        ...(health?.failed ? { failedAttachments: health.failed } : {}),
        ...(health?.degraded ? { degradedMirrors: health.degraded } : {}),
      },
      config.key,
    );
    try {
      await sender.send(packet, timeoutMs);
      if (failing) log('info', 'announce sends work again', { kind });
      failing = false;
      return true;
    } catch (err) {
      // Logged once per outage, not once per tick: a node may be cut off for days.
      if (!failing)
        log('warn', 'announce send failed; retrying every tick', {
          kind,
          error: (err as Error).message,
        });
      failing = true;
      return false;
    }
  };

  const tick = async (): Promise<void> => {
    const fresh = readIdentity();
    if (fresh.key !== identity.key) {
      identity = fresh;
      startupPending = true;
      log('info', 'hostname or NICs changed; announcing startup again');
    }
    const kind: AnnounceKind = startupPending ? 'startup' : 'heartbeat';
    // Hosts name attachments whose health check fails, so the station can raise an event.
    const wait = Math.min(intervalMs / 2, 3000);
    // A mirror whose lost leg is back gets it re-added, in the background.
    if (kind === 'heartbeat') void checks.healMirrors();
    const health =
      kind === 'heartbeat'
        ? {
            failed: await failedAttachmentIds(checks.failedAttachments, wait),
            degraded: await failedAttachmentIds(checks.degradedMirrors, wait, maxDegradedMirrors),
          }
        : undefined;
    if ((await announce(kind, undefined, health)) && kind === 'startup') startupPending = false;
  };

  const schedule = (): void => {
    if (stopping) return;
    timer = setTimeout(() => {
      tick()
        .catch((err: unknown) => log('error', 'announce tick failed', { error: String(err) }))
        .finally(schedule);
    }, intervalMs);
  };

  return new Promise<void>((resolve) => {
    const ignoreHangup = (): void => undefined;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      log('info', 'stopping', { signal });
      void announce('shutdown', shutdownSendMs)
        .catch(() => false)
        .then(() => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          process.off('SIGHUP', ignoreHangup);
          resolve();
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Detached from any terminal, a stray hangup must not end the daemon without its goodbye.
    process.on('SIGHUP', ignoreHangup);
    void announce('startup')
      .then((sent) => {
        if (sent) startupPending = false;
      })
      .catch((err: unknown) => log('error', 'startup announce failed', { error: String(err) }))
      .finally(schedule);
  });
}
