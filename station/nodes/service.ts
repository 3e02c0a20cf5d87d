import { randomUUID } from 'node:crypto';
import {
  DvsanError,
  type Inventory,
  type NodeView,
  type ParsedParams,
  toErrorShape,
} from '../../protocol/index.js';
import { AgentClient } from '../agent-client.js';
import { newNodeRecord, type NodeRecord, type NodesRepo, toView } from '../db/nodes-repo.js';
import { type AgentBundle, readVerifiedRuntime, type RuntimeSource } from '../deploy/artifacts.js';
import { deployAgent } from '../deploy/deployer.js';
import { agentLauncher } from '../deploy/remote-scripts.js';
import type { EventBus } from '../events.js';
import type { SecretBox } from '../secrets.js';
import type { SshPool } from '../ssh/pool.js';
import { shellQuote } from '../ssh/quote.js';
import { SshSession } from '../ssh/session.js';
import { boundedPool, type TaskEngine } from '../tasks/index.js';
import { connectOptionsFor, type MemorySecrets } from './connect.js';
import type { AnnounceKeys } from '../announce/keys.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { AgentMethod, AgentParams, AgentResult } from '../../protocol/index.js';

/** What the station needs of an agent: the typed RPC call. AgentClient is one. */
export interface AgentLink {
  call<M extends AgentMethod>(
    method: M,
    params: AgentParams<M>,
    timeoutMs?: number,
  ): Promise<AgentResult<M>>;
}

export interface AnnounceTarget {
  port: number;
  /** The address nodes send to; null lets each node use the address it sees SSH come from. */
  advertise: string | null;
  /** Whether this station process runs the listener (serve does; one-shot CLI commands don't). */
  listening: boolean;
}

export interface NodeServiceDeps {
  repo: NodesRepo;
  bus: EventBus;
  pool: SshPool;
  secrets: SecretBox;
  memory: MemorySecrets;
  tasks: TaskEngine;
  bundle: () => Promise<AgentBundle>;
  runtime: () => Promise<RuntimeSource | null>;
  deployConcurrency: number;
  settings: SettingsRepo;
  keys: AnnounceKeys;
  announce: AnnounceTarget;
  /** Replaces SSH for reaching agents (simulated units in benchmarks). */
  connectAgent?: (nodeId: string) => Promise<AgentLink>;
  onRemoved?: (nodeId: string) => void;
}

/** Everything the station does with nodes: add, trust, deploy, ask. */
export class NodeService {
  private readonly agents = new Map<string, Promise<AgentClient>>();

  constructor(private readonly d: NodeServiceDeps) {}

  async list(): Promise<NodeView[]> {
    return (await this.d.repo.list()).map(toView);
  }

  async get(id: string): Promise<NodeRecord> {
    const node = await this.d.repo.get(id);
    if (!node) throw new DvsanError('not-found', `no node with id ${id}`);
    return node;
  }

  /**
   * Connects before anything is stored, so a wrong address, key or password leaves the
   * database as it was. The host key seen is recorded for the admin to confirm.
   */
  async add(p: ParsedParams<'node/add'>): Promise<NodeView> {
    if (await this.d.repo.findByName(p.name))
      throw new DvsanError('conflict', `a node named ${p.name} already exists`);
    if (await this.d.repo.findByEndpoint(p.address, p.port)) {
      throw new DvsanError('conflict', `${p.address}:${p.port} is already added`);
    }
    const session = await SshSession.connect({
      address: p.address,
      port: p.port,
      user: p.user,
      auth:
        p.auth.kind === 'key'
          ? { kind: 'key', keyPath: p.auth.keyPath }
          : p.auth.kind === 'agent'
            ? { kind: 'agent' }
            : { kind: 'password', password: p.auth.password },
      trustedFingerprint: null,
    });
    session.close();
    const seen = session.fingerprint;
    if (typeof p.acceptFingerprint === 'string' && p.acceptFingerprint !== seen) {
      throw new DvsanError(
        'host-key-unconfirmed',
        `${p.address} presents the host key ${seen}, not the ${p.acceptFingerprint} you expected: nothing was added. Check the node.`,
        { presented: seen },
      );
    }
    const node = newNodeRecord({
      id: randomUUID(),
      name: p.name,
      role: p.role,
      address: p.address,
      port: p.port,
      user: p.user,
      authKind: p.auth.kind,
      keyPath: p.auth.kind === 'key' ? p.auth.keyPath : null,
      secretEnc:
        p.auth.kind === 'password' && p.auth.save ? this.d.secrets.seal(p.auth.password) : null,
      hostKeyFingerprint: seen,
      hostKeyState: p.acceptFingerprint ? 'trusted' : 'pending',
    });
    await this.d.repo.insert(node);
    if (p.auth.kind === 'password' && !p.auth.save) this.d.memory.set(node.id, p.auth.password);
    return this.changed(node);
  }

  /**
   * Confirms a host key. A fingerprint other than the recorded one (a reinstalled node) is
   * accepted only if the node presents exactly that key now.
   */
  async trustHostKey(id: string, fingerprint: string): Promise<NodeView> {
    const node = await this.get(id);
    if (fingerprint !== node.hostKeyFingerprint) {
      const opts = connectOptionsFor(
        { ...node, hostKeyState: 'trusted' },
        this.d.secrets,
        this.d.memory,
      );
      const session = await SshSession.connect({ ...opts, trustedFingerprint: null });
      session.close();
      if (session.fingerprint !== fingerprint) {
        throw new DvsanError(
          'host-key-unconfirmed',
          `${node.name} presents ${session.fingerprint}, not ${fingerprint}: nothing changed.`,
          { presented: session.fingerprint },
        );
      }
    }
    this.d.pool.drop(id);
    this.dropAgent(id);
    return this.changed(
      await this.d.repo.update(id, { hostKeyFingerprint: fingerprint, hostKeyState: 'trusted' }),
    );
  }

  async remove(id: string): Promise<boolean> {
    this.d.pool.drop(id);
    this.dropAgent(id);
    this.d.memory.delete(id);
    const removed = await this.d.repo.remove(id);
    this.d.keys.delete(id);
    this.d.onRemoved?.(id);
    if (removed) this.d.bus.emit({ type: 'node.removed', id });
    return removed;
  }

  /** Starts one background task that deploys to every node, a bounded number at once. */
  async deploy(ids: string[], user = 'local'): Promise<string> {
    const nodes = await Promise.all([...new Set(ids)].map((id) => this.get(id)));
    const unconfirmed = nodes.filter((n) => n.hostKeyState !== 'trusted');
    if (unconfirmed.length) {
      throw new DvsanError(
        'host-key-unconfirmed',
        `confirm the host key first for: ${unconfirmed.map((n) => n.name).join(', ')}`,
      );
    }
    const bundle = await this.d.bundle();
    const source = await this.d.runtime();
    let runtimeBytes: Promise<Buffer> | null = null;
    const runtime = {
      source,
      bytes: () => (runtimeBytes ??= readVerifiedRuntime(source as RuntimeSource)),
    };
    const task = await this.d.tasks.start({
      kind: 'node.deploy',
      targets: nodes.map((n) => n.id),
      steps: nodes.map((n) => n.name),
      // A new agent replaces the one volume and export changes talk to.
      locks: nodes.map((n) => ({ kind: n.role, id: n.id, mode: 'write', label: n.name })),
      user,
      work: async (ctx) => {
        const outcomes: Record<string, unknown> = {};
        await boundedPool(nodes, this.d.deployConcurrency, async (node, index) => {
          const step = ctx.step(index);
          try {
            await this.update(node.id, { state: 'deploying', lastError: null });
            const session = await this.session(node);
            const outcome = await deployAgent(session, bundle, runtime, (pct, msg) =>
              step.progress(pct * 0.9, msg),
            );
            if (!outcome.alreadyCurrent) this.dropAgent(node.id);
            await this.update(node.id, {
              agentVersion: outcome.version,
              agentSha256: outcome.sha256,
              agentRuntime: outcome.runtime,
              agentDeployedAt: outcome.alreadyCurrent
                ? (node.agentDeployedAt ?? new Date().toISOString())
                : new Date().toISOString(),
            });
            // Starting the new agent (agent.hello) is the check that it runs; a current node
            // with an inventory needs neither.
            if (!outcome.alreadyCurrent || !node.inventory) {
              step.progress(95, 'starting the agent and reading the inventory');
              await this.refreshInventory(node.id).catch((err: unknown) => {
                throw new DvsanError(
                  'deploy-failed',
                  `the agent was installed but does not answer: ${(err as Error).message}`,
                );
              });
            }
            if (
              !outcome.alreadyCurrent ||
              !node.announceKeyEnc ||
              (this.d.announce.listening && node.health !== 'up')
            ) {
              step.progress(97, 'starting the announce daemon');
              await this.configureDaemon(node.id);
            }
            await this.update(node.id, { state: 'ready' });
            outcomes[node.name] = { ok: true, ...outcome };
            ctx.finishStep(index, {
              ok: true,
              message: outcome.alreadyCurrent
                ? `already current (${outcome.roundTrips} round trip)`
                : `installed ${outcome.version}`,
            });
          } catch (err) {
            const error = toErrorShape(err);
            await this.update(node.id, { state: 'error', lastError: error.message }).catch(
              () => undefined,
            );
            outcomes[node.name] = { ok: false, error };
            ctx.finishStep(index, { ok: false, error });
          }
        });
        return { nodes: outcomes };
      },
    });
    return task.id;
  }

  async setSpare(id: string, spare: boolean): Promise<NodeView> {
    await this.get(id);
    return this.update(id, { spare });
  }

  /** Pushes the announce settings (station address, port, this node's key) and starts the daemon. */
  private async configureDaemon(id: string): Promise<void> {
    const key = await this.d.keys.ensure(id);
    const { heartbeatSeconds } = await this.d.settings.get();
    await (
      await this.link(id)
    ).call('agent.configure', {
      nodeId: id,
      stationAddress: this.d.announce.advertise,
      stationPort: this.d.announce.port,
      key: key.toString('hex'),
      heartbeatSeconds,
    });
  }

  /** The enquiry: asks a unit for its storage. */
  async storageInventory(id: string): Promise<unknown> {
    return (await this.link(id)).call('storage.inventory', {});
  }

  /**
   * The node's agent, over SSH or the injected connector. A call that finds the agent process
   * gone (killed, node rebooted) is sent once more to a fresh one: every agent method is
   * idempotent, so repeating it is safe.
   */
  async link(id: string): Promise<AgentLink> {
    if (this.d.connectAgent) return this.d.connectAgent(id);
    const first = await this.agent(id);
    return {
      call: async (method, params, timeoutMs) => {
        try {
          return await first.call(method, params, timeoutMs);
        } catch (err) {
          if (!(err instanceof DvsanError) || err.details?.exited !== true) throw err;
          this.dropAgent(id);
          return (await this.agent(id)).call(method, params, timeoutMs);
        }
      },
    };
  }

  async inventory(id: string, refresh: boolean): Promise<Inventory> {
    const node = await this.get(id);
    if (!refresh && node.inventory) return node.inventory;
    return this.refreshInventory(id);
  }

  private async refreshInventory(id: string): Promise<Inventory> {
    const inventory = await (await this.link(id)).call('node.inventory', {});
    await this.update(id, { inventory });
    return inventory;
  }

  private async session(node: NodeRecord): Promise<SshSession> {
    return this.d.pool.get(node.id, async () =>
      connectOptionsFor(await this.get(node.id), this.d.secrets, this.d.memory),
    );
  }

  /** One long-lived agent process per node, started on first use. */
  private agent(id: string): Promise<AgentClient> {
    const existing = this.agents.get(id);
    if (existing) {
      return existing.then((a) => {
        if (a.isOpen) return a;
        this.agents.delete(id);
        return this.agent(id);
      });
    }
    const opening = (async () => {
      const node = await this.get(id);
      if (!node.agentVersion)
        throw new DvsanError('agent-error', `${node.name} has no agent yet: deploy it first.`);
      const launcher = agentLauncher(node.agentVersion);
      const argv = node.user === 'root' ? [launcher, 'rpc'] : ['sudo', '-n', launcher, 'rpc'];
      const client = await AgentClient.open(await this.session(node), shellQuote(argv));
      await client.call('agent.hello', {}, 15_000);
      return client;
    })();
    this.agents.set(id, opening);
    opening.catch(() => this.agents.get(id) === opening && this.agents.delete(id));
    return opening;
  }

  private dropAgent(id: string): void {
    const existing = this.agents.get(id);
    this.agents.delete(id);
    existing?.then((a) => a.close()).catch(() => undefined);
  }

  private async update(id: string, changes: Parameters<NodesRepo['update']>[1]): Promise<NodeView> {
    return this.changed(await this.d.repo.update(id, changes));
  }

  /** Publishes a node changed elsewhere (health from the announce watch). */
  changed(node: NodeRecord): NodeView {
    const view = toView(node);
    this.d.bus.emit({ type: 'node.updated', node: view });
    return view;
  }

  close(): void {
    for (const id of [...this.agents.keys()]) this.dropAgent(id);
    this.d.pool.closeAll();
  }
}
