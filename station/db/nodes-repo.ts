import type {
  Inventory,
  NodeHealth,
  NodeRole,
  NodeView,
  StorageInventory,
} from '../../protocol/index.js';
import { inventorySchema, storageInventorySchema } from '../../protocol/index.js';

/** Who the node said it was in its last startup announce. */
export interface NodeIdentity {
  hostname: string;
  nics: { name: string; mac: string; addresses: string[] }[];
}
import type { Database } from './database.js';

/** A node as the station keeps it: the client view plus what never leaves the station. */
export interface NodeRecord {
  id: string;
  name: string;
  role: NodeRole;
  address: string;
  port: number;
  user: string;
  authKind: 'key' | 'agent' | 'password';
  keyPath: string | null;
  secretEnc: string | null;
  hostKeyFingerprint: string;
  hostKeyState: 'pending' | 'trusted';
  state: NodeView['state'];
  lastError: string | null;
  agentVersion: string | null;
  agentSha256: string | null;
  agentRuntime: string | null;
  agentDeployedAt: string | null;
  inventory: Inventory | null;
  createdAt: string;
  health: NodeHealth;
  lastSeenAt: string | null;
  spare: boolean;
  announceKeyEnc: string | null;
  identity: NodeIdentity | null;
  storage: StorageInventory | null;
  storageAt: string | null;
}

/** What identifies a node when it is first recorded; everything else starts empty. */
export type NewNode = Pick<
  NodeRecord,
  | 'id'
  | 'name'
  | 'role'
  | 'address'
  | 'port'
  | 'user'
  | 'authKind'
  | 'keyPath'
  | 'secretEnc'
  | 'hostKeyFingerprint'
  | 'hostKeyState'
>;

export function newNodeRecord(n: NewNode, createdAt = new Date().toISOString()): NodeRecord {
  return {
    ...n,
    state: 'new',
    lastError: null,
    agentVersion: null,
    agentSha256: null,
    agentRuntime: null,
    agentDeployedAt: null,
    inventory: null,
    createdAt,
    health: 'unknown',
    lastSeenAt: null,
    spare: false,
    announceKeyEnc: null,
    identity: null,
    storage: null,
    storageAt: null,
  };
}

interface NodeRow {
  id: string;
  name: string;
  role: NodeRole;
  address: string;
  port: number;
  user: string;
  auth_kind: NodeRecord['authKind'];
  key_path: string | null;
  secret_enc: string | null;
  host_key_fingerprint: string;
  host_key_state: NodeRecord['hostKeyState'];
  state: NodeRecord['state'];
  last_error: string | null;
  agent_version: string | null;
  agent_sha256: string | null;
  agent_runtime: string | null;
  agent_deployed_at: string | null;
  inventory_json: string | null;
  created_at: string;
  health: NodeHealth;
  last_seen_at: string | null;
  spare: number;
  announce_key_enc: string | null;
  identity_json: string | null;
  storage_json: string | null;
  storage_at: string | null;
}

/**
 * A unit's storage JSON grows with its volumes (hundreds of KB with 1,000), and nodes are read
 * many times per operation. Parsing and checking it is pure in the text, so each node keeps the
 * last text it parsed and the result; the same text gives the same result without the work.
 * Callers treat records as read-only, so sharing the parsed object between reads is safe.
 */
class StorageCache {
  private readonly parsed = new Map<string, { text: string; storage: StorageInventory | null }>();

  of(id: string, text: string | null): StorageInventory | null {
    if (!text) {
      this.parsed.delete(id);
      return null;
    }
    const kept = this.parsed.get(id);
    if (kept?.text === text) return kept.storage;
    // A stored storage inventory that no longer fits the schema is dropped rather than trusted.
    const result = storageInventorySchema.safeParse(JSON.parse(text));
    const storage = result.success ? result.data : null;
    this.parsed.set(id, { text, storage });
    return storage;
  }

  /** What was just written: the value it was written from is what parsing the text gives. */
  remember(id: string, text: string, storage: StorageInventory): void {
    this.parsed.set(id, { text, storage });
  }

  forget(id: string): void {
    this.parsed.delete(id);
  }
}

function fromRow(r: NodeRow, storage: StorageCache): NodeRecord {
  // A stored inventory that no longer fits the schema is dropped rather than trusted.
  const inv = r.inventory_json ? inventorySchema.safeParse(JSON.parse(r.inventory_json)) : null;
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    address: r.address,
    port: r.port,
    user: r.user,
    authKind: r.auth_kind,
    keyPath: r.key_path,
    secretEnc: r.secret_enc,
    hostKeyFingerprint: r.host_key_fingerprint,
    hostKeyState: r.host_key_state,
    state: r.state,
    lastError: r.last_error,
    agentVersion: r.agent_version,
    agentSha256: r.agent_sha256,
    agentRuntime: r.agent_runtime,
    agentDeployedAt: r.agent_deployed_at,
    inventory: inv?.success ? inv.data : null,
    createdAt: r.created_at,
    health: r.health,
    lastSeenAt: r.last_seen_at,
    spare: r.spare === 1,
    announceKeyEnc: r.announce_key_enc,
    identity: r.identity_json ? (JSON.parse(r.identity_json) as NodeIdentity) : null,
    storage: storage.of(r.id, r.storage_json),
    storageAt: r.storage_at,
  };
}

export function toView(n: NodeRecord): NodeView {
  return {
    id: n.id,
    name: n.name,
    role: n.role,
    address: n.address,
    port: n.port,
    user: n.user,
    authKind: n.authKind,
    keyPath: n.keyPath,
    hostKey: { fingerprint: n.hostKeyFingerprint, state: n.hostKeyState },
    state: n.state,
    health: n.health,
    lastSeenAt: n.lastSeenAt,
    spare: n.spare,
    lastError: n.lastError,
    agent: { version: n.agentVersion, runtime: n.agentRuntime, deployedAt: n.agentDeployedAt },
    inventory: n.inventory,
    createdAt: n.createdAt,
  };
}

/** Fields stored as JSON text, and fields with a column of their own. */
const jsonColumns: Partial<Record<keyof NodeRecord, string>> = {
  inventory: 'inventory_json',
  identity: 'identity_json',
  storage: 'storage_json',
};
const columns: Record<keyof Omit<NodeRecord, 'id' | 'inventory' | 'identity' | 'storage'>, string> =
  {
    name: 'name',
    role: 'role',
    address: 'address',
    port: 'port',
    user: 'user',
    authKind: 'auth_kind',
    keyPath: 'key_path',
    secretEnc: 'secret_enc',
    hostKeyFingerprint: 'host_key_fingerprint',
    hostKeyState: 'host_key_state',
    state: 'state',
    lastError: 'last_error',
    agentVersion: 'agent_version',
    agentSha256: 'agent_sha256',
    agentRuntime: 'agent_runtime',
    agentDeployedAt: 'agent_deployed_at',
    createdAt: 'created_at',
    health: 'health',
    lastSeenAt: 'last_seen_at',
    spare: 'spare',
    announceKeyEnc: 'announce_key_enc',
    storageAt: 'storage_at',
  };

export type NodeChanges = Partial<Omit<NodeRecord, 'id' | 'createdAt'>>;

export class NodesRepo {
  private readonly storage = new StorageCache();

  constructor(private readonly db: Database) {}

  async list(): Promise<NodeRecord[]> {
    const rows = await this.db.all<NodeRow>('SELECT * FROM nodes ORDER BY role DESC, name');
    return rows.map((row) => fromRow(row, this.storage));
  }

  async get(id: string): Promise<NodeRecord | undefined> {
    const row = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE id = ?', [id]);
    return row ? fromRow(row, this.storage) : undefined;
  }

  async findByName(name: string): Promise<NodeRecord | undefined> {
    const row = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE name = ?', [name]);
    return row ? fromRow(row, this.storage) : undefined;
  }

  async findByEndpoint(address: string, port: number): Promise<NodeRecord | undefined> {
    const row = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE address = ? AND port = ?', [
      address,
      port,
    ]);
    return row ? fromRow(row, this.storage) : undefined;
  }

  async insert(n: NodeRecord): Promise<void> {
    const now = new Date().toISOString();
    await this.db.run(
      `INSERT INTO nodes (id, name, role, address, port, user, auth_kind, key_path, secret_enc,
        host_key_fingerprint, host_key_state, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        n.id,
        n.name,
        n.role,
        n.address,
        n.port,
        n.user,
        n.authKind,
        n.keyPath,
        n.secretEnc,
        n.hostKeyFingerprint,
        n.hostKeyState,
        n.state,
        n.createdAt,
        now,
      ],
    );
  }

  /** Updates only the given fields; column names come from a fixed table, never from input. */
  async update(id: string, changes: NodeChanges): Promise<NodeRecord> {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    let storageText: string | null = null;
    for (const [key, value] of Object.entries(changes)) {
      const jsonColumn = jsonColumns[key as keyof NodeRecord];
      if (jsonColumn) {
        const text = value === null ? null : JSON.stringify(value);
        if (key === 'storage') storageText = text;
        sets.push(`${jsonColumn} = ?`);
        values.push(text);
        continue;
      }
      const column = columns[key as keyof typeof columns];
      if (!column) throw new Error(`unknown node field ${key}`);
      sets.push(`${column} = ?`);
      values.push(typeof value === 'boolean' ? Number(value) : (value as string | number | null));
    }
    sets.push('updated_at = ?');
    values.push(new Date().toISOString(), id);
    await this.db.run(`UPDATE nodes SET ${sets.join(', ')} WHERE id = ?`, values);
    if (storageText !== null && changes.storage)
      this.storage.remember(id, storageText, changes.storage);
    const updated = await this.get(id);
    if (!updated) throw new Error(`node ${id} vanished during update`);
    return updated;
  }

  async remove(id: string): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM nodes WHERE id = ?', [id]);
    this.storage.forget(id);
    return changes > 0;
  }
}
