import { createHmac, randomBytes } from 'node:crypto';
import type { AnnounceBody } from '../../../../protocol/index.js';

/** Test helper: a signed datagram, as the agent daemon sends it. */
export function signed(
  body: Partial<AnnounceBody> & { nodeId: string },
  key: Buffer,
  mac?: string,
): Buffer {
  const full: AnnounceBody = {
    v: 1,
    kind: 'heartbeat',
    hostname: 'u1',
    agentVersion: '0.1.0',
    ts: Date.now(),
    nonce: randomBytes(16).toString('hex'),
    interval: 5,
    ...body,
  };
  const b = JSON.stringify(full);
  return Buffer.from(
    JSON.stringify({ b, m: mac ?? createHmac('sha256', key).update(b).digest('hex') }),
  );
}
