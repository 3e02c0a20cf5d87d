import { randomBytes } from 'node:crypto';
import type { NodesRepo } from '../db/nodes-repo.js';
import type { SecretBox } from '../secrets.js';

/**
 * Per-node announce keys: made by the station, pushed to the node at deploy, kept sealed in
 * the database and in memory here so the listener checks a signature without a query.
 */
export class AnnounceKeys {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly nodes: NodesRepo,
    private readonly secrets: SecretBox,
  ) {}

  async load(): Promise<void> {
    for (const n of await this.nodes.list()) {
      if (n.announceKeyEnc)
        this.keys.set(n.id, Buffer.from(this.secrets.open(n.announceKeyEnc), 'hex'));
    }
  }

  keyFor = (nodeId: string): Buffer | undefined => this.keys.get(nodeId);

  /** The node's key, made and stored on first use. */
  async ensure(nodeId: string): Promise<Buffer> {
    const existing = this.keys.get(nodeId);
    if (existing) return existing;
    const key = randomBytes(32);
    await this.nodes.update(nodeId, { announceKeyEnc: this.secrets.seal(key.toString('hex')) });
    this.keys.set(nodeId, key);
    return key;
  }

  /** For simulated nodes (benchmarks) whose keys never touch a database row. */
  set(nodeId: string, key: Buffer): void {
    this.keys.set(nodeId, key);
  }

  delete(nodeId: string): void {
    this.keys.delete(nodeId);
  }
}
