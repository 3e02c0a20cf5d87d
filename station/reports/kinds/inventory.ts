import { type Inventory, inventorySchema } from '../../../protocol/index.js';
import type { Database } from '../../db/database.js';
import { formatBytes } from '../../../protocol/size.js';
import { paged } from '../paged.js';
import type { ReportDefinition, Row } from '../types.js';

// Named columns only: the nodes table also holds sealed passwords and announce keys.
interface NodeRow {
  name: string;
  role: string;
  address: string;
  state: string;
  health: string;
  spare: number;
  agent_version: string | null;
  inventory_json: string | null;
  last_seen_at: string | null;
}

function readInventory(json: string | null): Inventory | null {
  if (!json) return null;
  const parsed = inventorySchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : null;
}

/** Units and hosts as their agents last described them. */
export const inventoryReport: ReportDefinition = {
  kind: 'inventory',
  title: 'Inventory',
  periodic: false,
  async build({ db }) {
    const counts = await db.all<{ role: string; health: string; count: number }>(
      'SELECT role, health, count(*) AS count FROM nodes GROUP BY role, health',
    );
    const sum = (f: (c: (typeof counts)[number]) => boolean) =>
      counts.filter(f).reduce((s, c) => s + c.count, 0);
    return {
      summary: [
        { key: 'units', label: 'SAN units', value: sum((c) => c.role === 'unit'), type: 'number' },
        { key: 'hosts', label: 'Hosts', value: sum((c) => c.role === 'host'), type: 'number' },
        { key: 'up', label: 'Up', value: sum((c) => c.health === 'up'), type: 'number' },
        { key: 'down', label: 'Down', value: sum((c) => c.health === 'down'), type: 'number' },
      ],
      charts: [],
      tables: [
        {
          name: 'nodes',
          title: 'Units and hosts',
          columns: [
            { key: 'name', label: 'Name' },
            { key: 'role', label: 'Role' },
            { key: 'address', label: 'Address' },
            { key: 'state', label: 'State' },
            { key: 'health', label: 'Health' },
            { key: 'spare', label: 'Spare', type: 'bool' },
            { key: 'hostname', label: 'Hostname' },
            { key: 'os', label: 'OS' },
            { key: 'kernel', label: 'Kernel' },
            { key: 'cpu', label: 'CPU' },
            { key: 'cpuCores', label: 'Cores', type: 'number' },
            { key: 'memoryBytes', label: 'Memory', type: 'bytes' },
            { key: 'nics', label: 'NICs' },
            { key: 'disks', label: 'Disks' },
            { key: 'agentVersion', label: 'Agent' },
            { key: 'lastSeenAt', label: 'Last seen', type: 'time' },
          ],
          rows: () => rows(db),
        },
      ],
    };
  },
};

async function* rows(db: Database): AsyncGenerator<Row> {
  const pages = paged<NodeRow>((after, limit) =>
    db.all<NodeRow>(
      `SELECT name, role, address, state, health, spare, agent_version, inventory_json, last_seen_at
       FROM nodes WHERE name > ? ORDER BY name LIMIT ?`,
      [after?.name ?? '', limit],
    ),
  );
  for await (const n of pages) {
    const inv = readInventory(n.inventory_json);
    yield {
      name: n.name,
      role: n.role,
      address: n.address,
      state: n.state,
      health: n.health,
      spare: n.spare === 1,
      hostname: inv?.hostname ?? null,
      os: inv ? `${inv.os.prettyName} (${inv.os.arch})` : null,
      kernel: inv?.os.kernel ?? null,
      cpu: inv?.cpu.model ?? null,
      cpuCores: inv?.cpu.cores ?? null,
      memoryBytes: inv?.memoryBytes ?? null,
      nics:
        inv?.nics
          .map((x) => `${x.name} ${x.addresses.map((a) => a.cidr ?? a.address).join(',')}`.trim())
          .join('; ') ?? null,
      disks: inv?.disks.map((d) => `${d.name} ${formatBytes(d.sizeBytes)}`).join('; ') ?? null,
      agentVersion: n.agent_version ?? inv?.agent.version ?? null,
      lastSeenAt: n.last_seen_at,
    };
  }
}
