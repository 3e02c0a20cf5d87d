import { NButton, NTag, type DataTableColumns } from 'naive-ui';
import { h, type VNodeChild } from 'vue';
import type { AttachmentView, HostRequestView, HostView } from '../../../protocol/hosts.js';
import type { NodeView } from '../../../protocol/nodes.js';
import type { StationMethod } from '../../../protocol/station-api.js';
import HealthTag from '../../components/HealthTag.vue';
import { formatBytes, formatTime } from '../../format.js';
import {
  attachBlocker,
  attachmentSummary,
  attachmentTagType,
  detachBlocker,
  initiatorText,
  requestLabel,
  requestOutcome,
  requestTagType,
} from './host-list.js';

function button(
  label: string,
  testid: string,
  onClick: () => void,
  opts: { type?: 'primary' | 'error'; disabledWhy?: string | null; quaternary?: boolean } = {},
): VNodeChild {
  const btn = h(
    NButton,
    {
      size: 'small',
      type: opts.type,
      quaternary: opts.quaternary,
      disabled: Boolean(opts.disabledWhy),
      'data-testid': testid,
      onClick,
    },
    { default: () => label },
  );
  // A disabled button swallows hover: the wrapper carries the title that says why.
  return opts.disabledWhy ? h('span', { title: opts.disabledWhy }, btn) : btn;
}

export function initiatorCell(node: NodeView): VNodeChild {
  const t = initiatorText(node);
  return h('div', { class: 'initiator', 'data-testid': `host-initiator-${node.name}` }, [
    h(
      NTag,
      { size: 'small', type: t.known ? 'info' : 'default', bordered: false },
      { default: () => t.backend },
    ),
    t.iqn
      ? h('span', { class: 'iqn mono', title: `${t.iqn} (${t.note})` }, t.iqn)
      : h('span', { class: 'note' }, t.note ?? ''),
  ]);
}

/** What the signed-in user may change: buttons they could not use are not shown. */
type CanChange = (method: StationMethod) => boolean;

export interface HostActions {
  open(host: HostView): void;
  attach(host: HostView): void;
  assign(host: HostView): void;
  canChange: CanChange;
}

/** Sum of the fixed widths: below it the table scrolls sideways. */
export const hostTableMinWidth = 1080;

export function hostColumns(actions: HostActions): DataTableColumns<HostView> {
  return [
    {
      title: 'Host',
      key: 'name',
      width: 170,
      render: (host) =>
        h(
          'a',
          {
            class: 'host-name mono',
            href: `#/hosts/${encodeURIComponent(host.node.id)}`,
            'data-testid': `host-row-${host.node.name}`,
            onClick: (e: MouseEvent) => {
              e.preventDefault();
              actions.open(host);
            },
          },
          host.node.name,
        ),
    },
    {
      title: 'Health',
      key: 'health',
      width: 90,
      render: (host) =>
        h(HealthTag, {
          health: host.node.health,
          lastSeenAt: host.node.lastSeenAt,
          testid: `host-health-${host.node.name}`,
        }),
    },
    {
      title: 'Initiator',
      key: 'initiator',
      minWidth: 320,
      render: (host) => initiatorCell(host.node),
    },
    {
      title: 'Volumes',
      key: 'volumes',
      width: 150,
      render: (host) =>
        h('span', { 'data-testid': `host-volumes-${host.node.name}` }, attachmentSummary(host)),
    },
    {
      title: 'Attached',
      key: 'attachedBytes',
      width: 100,
      render: (host) =>
        h(
          'span',
          { 'data-testid': `host-bytes-${host.node.name}` },
          formatBytes(host.attachedBytes),
        ),
    },
    {
      title: '',
      key: 'actions',
      width: 250,
      render: (host) => {
        const why = attachBlocker(host.node);
        const n = host.node.name;
        return h('div', { class: 'row-actions' }, [
          actions.canChange('host/attach')
            ? button('Attach volume', `host-attach-${n}`, () => actions.attach(host), {
                disabledWhy: why,
              })
            : null,
          actions.canChange('host/assign')
            ? button('Assign new', `host-assign-${n}`, () => actions.assign(host), {
                disabledWhy: why,
              })
            : null,
        ]);
      },
    },
  ];
}

export interface AttachmentActions {
  detach(a: AttachmentView): void;
  forceDetach(a: AttachmentView): void;
  canChange: CanChange;
}

function stateCell(a: AttachmentView): VNodeChild {
  const tag = h(
    NTag,
    {
      size: 'small',
      round: true,
      type: attachmentTagType[a.state],
      'data-testid': `attachment-state-${a.volumeName}`,
    },
    { default: () => a.state },
  );
  if (!a.error) return tag;
  return h('div', [
    tag,
    h(
      'div',
      { class: 'attachment-error', 'data-testid': `attachment-error-${a.volumeName}` },
      a.error,
    ),
  ]);
}

export function attachmentColumns(
  host: NodeView,
  actions: AttachmentActions,
): DataTableColumns<AttachmentView> {
  return [
    {
      title: 'Volume',
      key: 'volumeName',
      width: 140,
      render: (a) =>
        h('span', { class: 'mono volume-name', 'data-testid': `attachment-${a.volumeName}` }, [
          a.volumeName,
          a.shared ? h('span', { class: 'shared' }, ' shared') : null,
        ]),
    },
    { title: 'Unit', key: 'unitName', width: 90 },
    { title: 'Size', key: 'sizeBytes', width: 75, render: (a) => formatBytes(a.sizeBytes) },
    {
      title: 'Device',
      key: 'device',
      width: 100,
      render: (a) =>
        h(
          'span',
          { class: 'mono', 'data-testid': `attachment-device-${a.volumeName}` },
          a.device ?? '—',
        ),
    },
    {
      title: 'Mounted on',
      key: 'mountPoint',
      width: 140,
      render: (a) =>
        h('span', { 'data-testid': `attachment-mount-${a.volumeName}` }, [
          // A mirror's leg is not mounted itself: the mirror (listed above) is.
          a.mountPoint === null && a.mirrorId
            ? h('span', { class: 'fs' }, 'mirror leg')
            : h('span', { class: 'mono' }, a.mountPoint ?? '—'),
          a.filesystem ? h('span', { class: 'fs' }, ` ${a.filesystem}`) : null,
        ]),
    },
    {
      title: 'Access',
      key: 'readOnly',
      width: 65,
      render: (a) => (a.readOnly ? h(NTag, { size: 'small' }, { default: () => 'ro' }) : 'rw'),
    },
    { title: 'State', key: 'state', minWidth: 110, render: stateCell },
    {
      title: '',
      key: 'actions',
      width: 190,
      render: (a) => {
        const why = detachBlocker(a, host);
        const busy = a.state === 'attaching' || a.state === 'detaching';
        if (!actions.canChange('host/detach')) return null;
        return h('div', { class: 'row-actions' }, [
          button('Detach', `attachment-detach-${a.volumeName}`, () => actions.detach(a), {
            disabledWhy: why,
          }),
          button(
            'Force detach',
            `attachment-force-detach-${a.volumeName}`,
            () => actions.forceDetach(a),
            { type: 'error', quaternary: true, disabledWhy: busy ? `still ${a.state}` : null },
          ),
        ]);
      },
    },
  ];
}

export interface RequestActions {
  approve(r: HostRequestView): void;
  deny(r: HostRequestView): void;
  /** Requests whose decision is in flight. */
  deciding(r: HostRequestView): boolean;
  canChange: CanChange;
}

function askedCell(r: HostRequestView): VNodeChild {
  const where = r.mountPoint ? ` at ${r.mountPoint}` : '';
  const fs = r.filesystem ? ` (${r.filesystem})` : '';
  return h('span', [h('b', formatBytes(r.sizeBytes)), `${where}${fs}`]);
}

export function pendingColumns(actions: RequestActions): DataTableColumns<HostRequestView> {
  return [
    { title: 'Host', key: 'hostName', width: 140, className: 'mono' },
    { title: 'Asks for', key: 'sizeBytes', minWidth: 220, render: askedCell },
    { title: 'Asked at', key: 'createdAt', width: 170, render: (r) => formatTime(r.createdAt) },
    {
      title: 'Request',
      key: 'id',
      width: 100,
      render: (r) => h('span', { class: 'mono' }, requestLabel(r)),
    },
    {
      title: '',
      key: 'actions',
      width: 170,
      render: (r) =>
        !actions.canChange('request/approve')
          ? null
          : h('div', { class: 'row-actions' }, [
              h(
                NButton,
                {
                  size: 'small',
                  type: 'primary',
                  loading: actions.deciding(r),
                  disabled: actions.deciding(r),
                  'data-testid': `request-approve-${requestLabel(r)}`,
                  onClick: () => actions.approve(r),
                },
                { default: () => 'Approve' },
              ),
              h(
                NButton,
                {
                  size: 'small',
                  disabled: actions.deciding(r),
                  'data-testid': `request-deny-${requestLabel(r)}`,
                  onClick: () => actions.deny(r),
                },
                { default: () => 'Deny' },
              ),
            ]),
    },
  ];
}

export function decidedColumns(): DataTableColumns<HostRequestView> {
  return [
    { title: 'Host', key: 'hostName', width: 140, className: 'mono' },
    { title: 'Asked for', key: 'sizeBytes', width: 220, render: askedCell },
    {
      title: 'State',
      key: 'state',
      width: 90,
      render: (r) =>
        h(
          NTag,
          {
            size: 'small',
            round: true,
            type: requestTagType[r.state],
            'data-testid': `request-state-${requestLabel(r)}`,
          },
          { default: () => r.state },
        ),
    },
    {
      title: 'Outcome',
      key: 'reason',
      minWidth: 240,
      render: (r) => h('span', { class: 'outcome' }, requestOutcome(r)),
    },
    { title: 'Updated', key: 'updatedAt', width: 170, render: (r) => formatTime(r.updatedAt) },
  ];
}
