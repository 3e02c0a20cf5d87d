import type { NodeRecord } from '../../../station/db/nodes-repo.js';

/** A deployed, trusted unit row as the station stores it; tests override what they need. */
export function unitRecord(id: string, over: Partial<NodeRecord> = {}): NodeRecord {
  return {
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
    state: 'ready',
    lastError: null,
    agentVersion: 'v',
    agentSha256: null,
    agentRuntime: null,
    agentDeployedAt: null,
    inventory: null,
    createdAt: new Date().toISOString(),
    health: 'unknown',
    lastSeenAt: null,
    spare: false,
    announceKeyEnc: null,
    identity: null,
    storage: null,
    storageAt: null,
    ...over,
  };
}
