import { NTag, type DataTableColumns } from 'naive-ui';
import { h, type VNodeChild } from 'vue';
import type { StationMethod } from '../../../protocol/station-api.js';
import type { VolumeView } from '../../../protocol/volumes.js';
import { formatBytes, formatTime } from '../../format.js';
import { exportLabel, exportsSummary, volumeSorters, type VolumeSortKey } from './volume-list.js';

export interface VolumeActions {
  resize(volume: VolumeView): void;
  exportTo(volume: VolumeView): void;
  unexport(volume: VolumeView): void;
  remove(volume: VolumeView): void;
  copy(text: string): void;
  openUnit(volume: VolumeView): void;
  /** Whether the signed-in user may make this change: other buttons are not shown. */
  canChange(method: StationMethod): boolean;
}

const rowChanges: StationMethod[] = [
  'volume/resize',
  'volume/export',
  'volume/unexport',
  'volume/delete',
];

/**
 * Every row is one line of the same height (cells ellipsize, buttons are small), so the
 * virtual list can place 10,000 rows by arithmetic; VolumesPage passes this height on.
 */
export const volumeRowHeight = 45;

/** Sum of the fixed widths below: under it the table scrolls sideways, name and actions pinned. */
const monoFont = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

export const volumeTableMinWidth = 1503;

/**
 * A plain <button> styled like a small naive-ui button (VolumesPage sets the theme colours as
 * CSS variables). Rows mount and unmount on every scroll and keystroke; five NButtons per row
 * cost most of that time, a native button almost nothing.
 */
function rowButton(
  label: string,
  testid: string,
  onClick: () => void,
  opts: { variant?: 'danger' | 'subtle'; disabled?: boolean; title?: string } = {},
): VNodeChild {
  return h(
    'button',
    {
      type: 'button',
      class: ['row-btn', opts.variant],
      disabled: opts.disabled,
      title: opts.title,
      'data-testid': testid,
      onClick,
    },
    label,
  );
}

function exportsCell(volume: VolumeView): VNodeChild {
  // The full list in a native tooltip: the cell shows at most two names.
  const title = volume.exports
    .map((e) => (e.hostName ? `${e.hostName} (${e.initiatorIqn})` : e.initiatorIqn))
    .join('\n');
  return h(
    'span',
    {
      class: 'cell-line',
      title: title || undefined,
      'data-testid': `volume-exports-${volume.name}`,
    },
    exportsSummary(volume),
  );
}

function iqnCell(volume: VolumeView, actions: VolumeActions): VNodeChild {
  return h('div', { class: 'iqn-cell' }, [
    h('span', { class: 'iqn mono', title: volume.iqn }, volume.iqn),
    rowButton('Copy', `volume-copy-iqn-${volume.name}`, () => actions.copy(volume.iqn), {
      variant: 'subtle',
      title: 'Copy the target IQN',
    }),
  ]);
}

function actionsCell(volume: VolumeView, actions: VolumeActions): VNodeChild {
  const n = volume.name;
  const may = actions.canChange;
  return h('div', { class: 'row-actions' }, [
    may('volume/resize') && rowButton('Resize', `volume-resize-${n}`, () => actions.resize(volume)),
    may('volume/export') &&
      rowButton('Export', `volume-export-${n}`, () => actions.exportTo(volume)),
    may('volume/unexport') &&
      rowButton('Unexport', `volume-unexport-${n}`, () => actions.unexport(volume), {
        disabled: volume.exports.length === 0,
      }),
    // Quiet in every row; the confirmation dialog is where it gets loud.
    may('volume/delete') &&
      rowButton('Delete', `volume-delete-${n}`, () => actions.remove(volume), {
        variant: 'danger',
      }),
  ]);
}

export interface VolumeSort {
  key: VolumeSortKey;
  order: 'ascend' | 'descend';
}

/**
 * Sorting is controlled: the page sorts with sortVolumes() and the table only shows the
 * arrows. Left to itself NDataTable re-sorts all rows on every data change, even with no
 * column picked (with comparators that answer 0): tens of milliseconds at 10,000 rows.
 */
function sortable(key: VolumeSortKey, sort: VolumeSort | null) {
  return { sorter: true, sortOrder: sort?.key === key ? sort.order : (false as const) };
}

export function volumeColumns(
  actions: VolumeActions,
  sort: VolumeSort | null,
): DataTableColumns<VolumeView> {
  // A user who may change nothing here (a viewer) gets no selection boxes and no Actions.
  const changes = rowChanges.some((m) => actions.canChange(m));
  const columns: DataTableColumns<VolumeView> = [
    // An explicit width: the pinned Name column's offset is computed from it.
    { type: 'selection', width: 48, fixed: 'left' },
    {
      title: 'Name',
      key: 'name',
      width: 160,
      fixed: 'left',
      ...sortable('name', sort),
      // CSS ellipsis and a native tooltip: naive-ui's ellipsis measures every cell it mounts.
      render: (v) =>
        h(
          'span',
          {
            class: 'volume-name mono cell-line',
            title: v.name,
            'data-testid': `volume-row-${v.name}`,
          },
          v.name,
        ),
    },
    {
      title: 'Size',
      key: 'sizeBytes',
      width: 90,
      align: 'right',
      ...sortable('sizeBytes', sort),
      render: (v) =>
        h('span', { 'data-testid': `volume-size-${v.name}` }, formatBytes(v.sizeBytes)),
    },
    {
      title: 'Allocated',
      key: 'allocatedBytes',
      width: 115,
      align: 'right',
      ...sortable('allocatedBytes', sort),
      render: (v) => formatBytes(v.allocatedBytes),
    },
    {
      title: 'Unit',
      key: 'unitName',
      width: 110,
      ...sortable('unitName', sort),
      render: (v) =>
        h(
          'a',
          {
            class: 'unit-link cell-line',
            title: v.unitName,
            href: `#/nodes/${encodeURIComponent(v.unitId)}`,
            onClick: (e: MouseEvent) => {
              e.preventDefault();
              actions.openUnit(v);
            },
          },
          v.unitName,
        ),
    },
    {
      title: 'Shared',
      key: 'shared',
      width: 95,
      ...sortable('shared', sort),
      render: (v) =>
        v.shared
          ? h(
              NTag,
              { size: 'small', type: 'warning', bordered: false },
              { default: () => 'shared' },
            )
          : null,
    },
    {
      title: 'Exported to',
      key: 'exports',
      width: 170,
      ...sortable('exports', sort),
      render: exportsCell,
    },
    {
      title: 'Target IQN',
      key: 'iqn',
      minWidth: 240,
      ...sortable('iqn', sort),
      render: (v) => iqnCell(v, actions),
    },
    {
      title: 'Created',
      key: 'createdAt',
      width: 170,
      ...sortable('createdAt', sort),
      render: (v) => formatTime(v.createdAt),
    },
    {
      title: 'Actions',
      key: 'actions',
      width: 305,
      fixed: 'right',
      render: (v) => actionsCell(v, actions),
    },
  ];
  return changes
    ? columns
    : columns.filter((c) => c.type !== 'selection' && !('key' in c && c.key === 'actions'));
}

/** The unit detail's short table: what lives on the unit and who uses it. */
export function unitVolumeColumns(): DataTableColumns<VolumeView> {
  return [
    {
      title: 'Name',
      key: 'name',
      ellipsis: { tooltip: true },
      sorter: volumeSorters.name,
      // Inline style: this render runs outside NodeDetail's scoped stylesheet.
      render: (v) =>
        h(
          'span',
          { style: { fontFamily: monoFont }, 'data-testid': `unit-volume-${v.name}` },
          v.name,
        ),
    },
    {
      title: 'Size',
      key: 'sizeBytes',
      width: 100,
      align: 'right',
      sorter: volumeSorters.sizeBytes,
      render: (v) => formatBytes(v.sizeBytes),
    },
    {
      title: 'Exported to',
      key: 'exports',
      width: 260,
      ellipsis: { tooltip: true },
      sorter: volumeSorters.exports,
      render: (v) => v.exports.map(exportLabel).join(', ') || '—',
    },
  ];
}
