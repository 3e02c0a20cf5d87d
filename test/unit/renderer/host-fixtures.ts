// Sample hosts, attachments and requests for the Hosts page tests.
import type { AttachmentView, HostRequestView, HostView } from '../../../protocol/hosts.js';
import type { Inventory } from '../../../protocol/inventory.js';
import type { NodeView } from '../../../protocol/nodes.js';
import type { Task } from '../../../protocol/tasks.js';

const GiB = 1024 ** 3;

export function hostNode(name: string, over: Partial<NodeView> = {}): NodeView {
  return {
    id: `id-${name}`,
    name,
    role: 'host',
    address: '10.99.0.21',
    port: 22,
    user: 'root',
    authKind: 'key',
    keyPath: '/root/.ssh/id_ed25519',
    hostKey: { fingerprint: 'SHA256:' + 'a'.repeat(43), state: 'trusted' },
    state: 'ready',
    health: 'up',
    lastSeenAt: '2025-11-25T10:00:00.000Z',
    spare: false,
    lastError: null,
    agent: { version: '0.1.0', runtime: 'v20.0.0', deployedAt: '2025-11-25T09:00:00.000Z' },
    inventory: null,
    createdAt: '2025-11-25T08:00:00.000Z',
    ...over,
  };
}

/** An inventory whose only interesting part is the initiator. */
export function withInitiator(initiator: Inventory['initiator']): Inventory {
  return {
    hostname: 'h',
    os: { id: 'debian', version: '13', prettyName: 'Debian 13', kernel: '6.1', arch: 'x64' },
    cpu: { model: 'cpu', cores: 2 },
    memoryBytes: GiB,
    nics: [],
    disks: [],
    dataDir: { path: '/var/lib/dvsan/data', totalBytes: GiB, freeBytes: GiB },
    tools: {} as Inventory['tools'],
    agent: { version: '0.1.0', node: 'v20.0.0' },
    ...(initiator === undefined ? {} : { initiator }),
  };
}

export function attachment(
  volume: string,
  host: string,
  over: Partial<AttachmentView> = {},
): AttachmentView {
  return {
    id: `att-${volume}-${host}`,
    volumeId: `id-${volume}`,
    volumeName: volume,
    unitId: 'id-unit-01',
    unitName: 'unit-01',
    hostId: `id-${host}`,
    hostName: host,
    sizeBytes: 10 * GiB,
    shared: false,
    state: 'attached',
    readOnly: false,
    filesystem: 'ext4',
    mountPoint: `/mnt/${volume}`,
    device: '/dev/loop3',
    backend: 'userspace',
    error: null,
    createdAt: '2025-11-25T10:00:00.000Z',
    ...over,
  };
}

export function hostView(name: string, attachments: AttachmentView[] = []): HostView {
  return {
    node: hostNode(name),
    attachments,
    attachedBytes: attachments.reduce((s, a) => s + a.sizeBytes, 0),
  };
}

export function hostRequest(id: string, over: Partial<HostRequestView> = {}): HostRequestView {
  return {
    id: id.padEnd(32, '0'),
    hostId: 'id-h1',
    hostName: 'h1',
    sizeBytes: 20 * GiB,
    mountPoint: '/data',
    filesystem: 'ext4',
    state: 'pending',
    reason: null,
    taskId: null,
    volumeId: null,
    decidedBy: null,
    createdAt: '2025-11-25T10:00:00.000Z',
    updatedAt: '2025-11-25T10:00:00.000Z',
    ...over,
  };
}

export function hostTask(
  id: string,
  kind: string,
  targets: string[],
  createdAt: string,
  over: Partial<Task> = {},
): Task {
  return {
    id,
    kind,
    targets,
    user: 'local',
    state: 'succeeded',
    progress: 100,
    steps: [],
    locks: [],
    waitingFor: null,
    log: [],
    error: null,
    result: null,
    createdAt,
    updatedAt: createdAt,
    startedAt: createdAt,
    endedAt: createdAt,
    ...over,
  };
}
