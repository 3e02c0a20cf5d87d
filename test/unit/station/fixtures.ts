import { newNodeRecord, type NodeRecord } from '../../../station/db/nodes-repo.js';

/** A deployed, trusted unit row as the station stores it; tests override what they need. */
export function unitRecord(id: string, over: Partial<NodeRecord> = {}): NodeRecord {
  const base = newNodeRecord({
    id,
    name: id,
    role: 'unit',
    address: '10.99.1.11',
    port: 22,
    user: 'root',
    authKind: 'key',
    keyPath: '/k',
    secretEnc: null,
    hostKeyFingerprint: 'SHA256:x',
    hostKeyState: 'trusted',
  });
  return { ...base, state: 'ready', agentVersion: 'v', ...over };
}
