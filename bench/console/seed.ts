// The console benchmark's site, written straight into a station database (no lab, no SSH):
// units with storage reports (so the pool view has them), hosts, volumes spread over the
// units, most of them exported and some attached. Nodes get loopback addresses on a closed
// port: nothing the station might try to reach leaves this machine.
import { Database } from '../../station/db/database.js';
import { AttachmentsRepo } from '../../station/db/attachments-repo.js';
import { NodesRepo, newNodeRecord } from '../../station/db/nodes-repo.js';
import { VolumesRepo } from '../../station/db/volumes-repo.js';
import type { StorageVolume } from '../../protocol/index.js';

const gib = 2 ** 30;

export interface SiteSize {
  units: number;
  hosts: number;
  volumes: number;
}

export const unitName = (i: number) => `unit-${String(i).padStart(4, '0')}`;
export const hostName = (i: number) => `host-${String(i).padStart(4, '0')}`;
export const volumeName = (i: number) => `vol-${String(i).padStart(6, '0')}`;
export const hostIqn = (h: number) => `iqn.2026-11.io.dvsan.bench:${hostName(h)}`;

/** Which hosts volume `i` is exported to: none for 1 in 4, two for shared ones, else one. */
export function exportHosts(i: number, hosts: number): number[] {
  if (i % 4 === 3) return [];
  if (i % 20 === 0) return [i % hosts, (i + 1) % hosts];
  return [i % hosts];
}

const address = (i: number) => `127.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

export async function seedSite(file: string, size: SiteSize): Promise<{ attachments: number }> {
  const db = await Database.open(file);
  const nodes = new NodesRepo(db);
  const volumes = new VolumesRepo(db);
  const attachments = new AttachmentsRepo(db);
  const start = Date.UTC(2026, 0, 1);
  const at = (i: number) => new Date(start + i * 60_000).toISOString();
  const node = (id: string, role: 'unit' | 'host', n: number) => ({
    ...newNodeRecord(
      {
        id,
        name: id,
        role,
        address: address(n),
        // Port 1: refused at once, should anything try to connect.
        port: 1,
        user: 'root',
        authKind: 'key',
        keyPath: null,
        secretEnc: null,
        hostKeyFingerprint: 'SHA256:bench',
        hostKeyState: 'trusted',
      },
      at(0),
    ),
    state: 'ready' as const,
  });
  // Each unit's storage report lists the volumes it holds, with their allocation.
  const held = new Map<number, StorageVolume[]>();
  for (let i = 0; i < size.volumes; i += 1) {
    const u = i % size.units;
    const list = held.get(u) ?? [];
    const sizeBytes = (1 + (i % 64)) * gib;
    list.push({
      id: volumeName(i),
      name: volumeName(i),
      pool: 'data',
      sizeBytes,
      allocatedBytes: Math.floor(sizeBytes * ((i % 10) / 10)),
      backing: `/srv/dvsan/data/${volumeName(i)}.img`,
      offset: 0,
      exported: exportHosts(i, size.hosts).length > 0,
    });
    held.set(u, list);
  }
  let attached = 0;
  await db.transaction(async () => {
    for (let u = 0; u < size.units; u += 1) {
      await nodes.insert(node(unitName(u), 'unit', u));
      await nodes.update(unitName(u), {
        health: 'up',
        storage: {
          pools: [
            {
              id: 'data',
              kind: 'directory',
              path: '/srv/dvsan/data',
              totalBytes: 8192 * gib,
              freeBytes: 4096 * gib,
            },
          ],
          volumes: held.get(u) ?? [],
          targetBackend: 'tgt',
        },
        storageAt: at(1),
      });
    }
    for (let h = 0; h < size.hosts; h += 1) {
      await nodes.insert(node(hostName(h), 'host', size.units + h));
      await nodes.update(hostName(h), { health: 'up' });
    }
    for (let i = 0; i < size.volumes; i += 1) {
      const id = `v${i}`;
      const to = exportHosts(i, size.hosts);
      await volumes.insert({
        id,
        name: volumeName(i),
        unitId: unitName(i % size.units),
        pool: 'data',
        sizeBytes: (1 + (i % 64)) * gib,
        shared: to.length > 1,
        iqn: `iqn.2026-11.io.dvsan:${unitName(i % size.units)}.${volumeName(i)}`,
        createdAt: at(i),
      });
      for (const h of to)
        await volumes.addExport({ volumeId: id, initiatorIqn: hostIqn(h), hostId: hostName(h) });
      // Half of the exported volumes are attached (logged in and mounted) on their host.
      if (to.length === 0 || i % 2) continue;
      await attachments.insert({
        id: `a${i}`,
        volumeId: id,
        hostId: hostName(to[0]!),
        state: 'attached',
        readOnly: false,
        filesystem: 'ext4',
        mountPoint: `/mnt/${volumeName(i)}`,
        device: '/dev/sdb',
        backend: 'open-iscsi',
        error: null,
        createdAt: at(i),
        updatedAt: at(i),
      });
      attached += 1;
    }
  });
  await db.close();
  return { attachments: attached };
}
