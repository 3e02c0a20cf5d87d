import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { announcedRequestSchema, type RequestStatus } from '../../protocol/requests.js';
import { parseSize } from '../../protocol/size.js';
import { readAgentConfig } from '../daemon/config-file.js';
import { signAnnounce } from '../daemon/packet.js';
import { daemonPaths } from '../daemon/paths.js';
import { createSender } from '../daemon/sender.js';
import { agentVersion } from '../version.js';
import { readStatus } from './status.js';

export const requestUsage = `usage: dvsan-agent request --size SIZE [--mount PATH] [--fs ext4|xfs] [--wait SECONDS]
  Asks the station for a volume for this host (e.g. --size 20G --mount /data). The station
  grants it by policy or an administrator approves it; the command follows it to the end and
  prints the device (and mount point). --wait bounds the whole wait (default 900 s).
`;

export interface RequestIo {
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** Poll interval and resend interval (tests shorten them). */
  pollMs?: number;
}

/** Resend the datagram this often until the station's first answer arrives, this many times. */
const resendEveryMs = 2000;
const resendTimes = 15;

/**
 * `dvsan-agent request`: one signed `request` announce to the station (resent until it
 * answers, since UDP may drop it), then the station's answers, which arrive over the agent's
 * RPC and are kept on disk, are printed until the request ends. Exit 0 when attached.
 */
export async function runRequest(args: readonly string[], io: RequestIo): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.stderr.write(`dvsan-agent request: ${message}\n`);
    return code;
  };
  let values: { size?: string; mount?: string; fs?: string; wait?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        size: { type: 'string' },
        mount: { type: 'string' },
        fs: { type: 'string' },
        wait: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${requestUsage}`);
  }
  if (!values.size) return fail(`--size is required\n${requestUsage}`);
  const waitSeconds = values.wait === undefined ? 900 : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 86_400)
    return fail('--wait takes whole seconds between 1 and 86400');
  let sizeBytes: number;
  try {
    sizeBytes = parseSize(values.size);
  } catch (err) {
    return fail((err as Error).message);
  }
  const asked = announcedRequestSchema.safeParse({
    id: randomBytes(16).toString('hex'),
    sizeBytes,
    ...(values.mount !== undefined ? { mountPoint: values.mount } : {}),
    ...(values.fs !== undefined ? { filesystem: values.fs } : {}),
  });
  if (!asked.success) {
    const issue = asked.error.issues[0]!;
    const field = { sizeBytes: '--size', mountPoint: '--mount', filesystem: '--fs' }[
      String(issue.path[0]) as 'sizeBytes'
    ];
    return fail(`${field ?? 'request'}: ${issue.message}`);
  }
  const paths = daemonPaths(io.env);
  const read = await readAgentConfig(paths.configFile);
  if (!read.ok) return fail(`${read.reason}; is this host deployed by a dvsan station?`, 1);
  const { config } = read;
  if (config.stationAddress === null)
    return fail(`${paths.configFile} has no station address: redeploy this host`, 1);

  const packet = () =>
    signAnnounce(
      {
        v: 1,
        kind: 'request',
        nodeId: config.nodeId,
        hostname: hostname(),
        agentVersion,
        ts: Date.now(),
        nonce: randomBytes(16).toString('hex'),
        interval: config.heartbeatSeconds,
        request: asked.data,
      },
      config.key,
    );
  const sender = createSender(config.stationAddress, config.stationPort);
  const pollMs = io.pollMs ?? 250;
  const deadline = Date.now() + waitSeconds * 1000;
  const id = asked.data.id;
  io.stdout.write(`request ${id.slice(0, 8)}: ${values.size} sent to the station\n`);
  try {
    let sent = 0;
    let nextSend = 0;
    let last = '';
    let status: RequestStatus | null = null;
    while (Date.now() < deadline) {
      status = await readStatus(io.env, id);
      if (!status) {
        if (sent >= resendTimes)
          return fail(
            `the station at ${config.stationAddress}:${config.stationPort} did not answer: is it running and does it listen for announces there?`,
            1,
          );
        if (Date.now() >= nextSend) {
          await sender.send(packet(), 2000);
          sent++;
          nextSend = Date.now() + resendEveryMs;
        }
      } else {
        const line = `request ${id.slice(0, 8)}: ${status.state}: ${status.message}`;
        if (line !== last) io.stdout.write(line + '\n');
        last = line;
        if (status.state === 'done') {
          if (status.result) io.stdout.write(JSON.stringify(status.result) + '\n');
          return 0;
        }
        if (status.state === 'denied' || status.state === 'failed') return 1;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return fail(
      `no final answer within ${waitSeconds} s (last: ${status ? status.state : 'none'}); the request stays on the station`,
      1,
    );
  } finally {
    sender.close();
  }
}
