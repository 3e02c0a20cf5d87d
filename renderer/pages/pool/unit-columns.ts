import { NButton, NTag, type DataTableColumns } from 'naive-ui';
import { h } from 'vue';
import type { PoolUnit } from '../../../protocol/pool.js';
import HealthTag from '../../components/HealthTag.vue';
import UsageBar from '../../components/UsageBar.vue';
import { levelTagType } from '../../components/status.js';
import { formatBytes } from '../../format.js';

export interface UnitActions {
  /** Opens the unit on the Nodes page. */
  open(unit: PoolUnit): void;
  /** Absent for users who may not mark spares (no Actions column then). */
  toggleSpare?(unit: PoolUnit): void;
  /** When the station last heard from the unit (from the nodes store). */
  lastSeenAt(unit: PoolUnit): string | null;
  /** A spare request for this unit is in flight. */
  isBusy(unit: PoolUnit): boolean;
}

export const unitTableMinWidth = 1080;

const bytesColumn = (title: string, key: 'totalBytes' | 'freeBytes' | 'allocatedBytes') => ({
  title,
  key,
  width: 110,
  align: 'right' as const,
  sorter: (a: PoolUnit, b: PoolUnit) => a[key] - b[key],
  render: (unit: PoolUnit) => formatBytes(unit[key]),
});

export function unitColumns(actions: UnitActions): DataTableColumns<PoolUnit> {
  const columns: DataTableColumns<PoolUnit> = [
    {
      title: 'Unit',
      key: 'name',
      width: 140,
      fixed: 'left',
      ellipsis: { tooltip: true },
      sorter: (a, b) => a.name.localeCompare(b.name),
      render: (unit) =>
        h(
          'a',
          {
            class: 'unit-name',
            href: `#/nodes/${encodeURIComponent(unit.nodeId)}`,
            'data-testid': `pool-unit-${unit.name}`,
            onClick: (e: MouseEvent) => {
              e.preventDefault();
              actions.open(unit);
            },
          },
          unit.name,
        ),
    },
    {
      title: 'Health',
      key: 'health',
      width: 95,
      render: (unit) =>
        h(HealthTag, {
          health: unit.health,
          lastSeenAt: actions.lastSeenAt(unit),
          testid: `pool-unit-health-${unit.name}`,
        }),
    },
    {
      title: 'Spare',
      key: 'spare',
      width: 75,
      render: (unit) =>
        unit.spare
          ? h(NTag, { size: 'small', type: 'info', bordered: false }, { default: () => 'spare' })
          : null,
    },
    bytesColumn('Total', 'totalBytes'),
    bytesColumn('Free', 'freeBytes'),
    bytesColumn('Allocated', 'allocatedBytes'),
    {
      title: 'Volumes',
      key: 'volumeCount',
      width: 100,
      align: 'right',
      sorter: (a, b) => a.volumeCount - b.volumeCount,
    },
    {
      title: 'Used',
      key: 'usedPct',
      minWidth: 160,
      sorter: (a, b) => a.usedPct - b.usedPct,
      render: (unit) => h(UsageBar, { pct: unit.usedPct, level: unit.level }),
    },
    {
      title: 'Level',
      key: 'level',
      width: 90,
      render: (unit) =>
        h(
          NTag,
          {
            size: 'small',
            round: true,
            type: levelTagType[unit.level],
            'data-testid': `pool-unit-level-${unit.name}`,
          },
          { default: () => unit.level },
        ),
    },
    {
      title: 'Actions',
      key: 'actions',
      width: 140,
      fixed: 'right',
      render: (unit) =>
        h(
          NButton,
          {
            size: 'small',
            loading: actions.isBusy(unit),
            disabled: actions.isBusy(unit),
            'data-testid': `pool-spare-${unit.name}`,
            onClick: () => actions.toggleSpare?.(unit),
          },
          { default: () => (unit.spare ? 'Unmark spare' : 'Mark spare') },
        ),
    },
  ];
  return actions.toggleSpare
    ? columns
    : columns.filter((c) => !('key' in c && c.key === 'actions'));
}
