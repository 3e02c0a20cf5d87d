import { NButton, NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import { h } from 'vue';
import { isAlert, isOpenAlert } from '../../../protocol/alerts.js';
import type { AnnounceRejection } from '../../../protocol/announce.js';
import type { EventRecord } from '../../../protocol/pool.js';
import { severityTagType } from '../../components/status.js';
import { formatTime } from '../../format.js';

export type Severity = EventRecord['severity'];

/** Why the station refused announce packets, in an admin's words. */
export const rejectionText: Record<AnnounceRejection, string> = {
  oversized: 'too large',
  unparsable: 'not JSON',
  schema: 'malformed',
  version: 'wrong protocol version',
  'unknown-node': 'unknown node',
  signature: 'bad signature',
  stale: 'stale (clock behind?)',
  future: 'future (clock ahead?)',
  replay: 'replayed',
};

export function filterEvents(
  events: readonly EventRecord[],
  severities: readonly Severity[],
): EventRecord[] {
  const wanted = new Set(severities);
  return events.filter((e) => wanted.has(e.severity));
}

export function countBySeverity(events: readonly EventRecord[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  for (const e of events) counts[e.severity] += 1;
  return counts;
}

/** "key: value" lines for the message tooltip; objects as compact JSON. */
export function detailLines(details: EventRecord['details']): string[] {
  return Object.entries(details ?? {}).map(
    ([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
}

export interface EventLookups {
  /** The node's current name, or undefined when the station no longer knows it. */
  nodeName(nodeId: string): string | undefined;
  /** Acknowledges an open alert; without it the column shows who did, but offers no button. */
  acknowledge?(event: EventRecord): void;
}

const detailStyle = {
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  fontSize: '12px',
  opacity: 0.8,
};

/** Sum of the fixed widths: below it the table scrolls sideways. */
export const eventTableMinWidth = 1030;

/** An alert's state: a button while open, then who acknowledged it and when. */
function alertCell(e: EventRecord, lookups: EventLookups) {
  if (!isAlert(e)) return null;
  if (isOpenAlert(e))
    return lookups.acknowledge
      ? h(
          NButton,
          {
            size: 'tiny',
            secondary: true,
            'data-testid': `event-ack-${e.id}`,
            onClick: () => lookups.acknowledge?.(e),
          },
          { default: () => 'Acknowledge' },
        )
      : h('span', { class: 'dim' }, 'open');
  return h(
    'span',
    { class: 'dim', title: `acknowledged ${formatTime(e.acknowledgedAt)}` },
    `ack: ${e.acknowledgedBy ?? '?'}`,
  );
}

export function eventColumns(lookups: EventLookups): DataTableColumns<EventRecord> {
  return [
    {
      title: 'Time',
      key: 'at',
      width: 170,
      render: (e) => h('span', { class: 'mono' }, formatTime(e.at)),
    },
    {
      title: 'Severity',
      key: 'severity',
      width: 95,
      render: (e) =>
        h(
          NTag,
          { size: 'small', round: true, type: severityTagType[e.severity] },
          { default: () => e.severity },
        ),
    },
    {
      title: 'Kind',
      key: 'kind',
      width: 150,
      ellipsis: { tooltip: true },
      render: (e) => h('span', { class: 'mono' }, e.kind),
    },
    {
      title: 'Node',
      key: 'nodeId',
      width: 130,
      ellipsis: { tooltip: true },
      render: (e) => {
        if (!e.nodeId) return h('span', { class: 'dim' }, '—');
        const name = lookups.nodeName(e.nodeId);
        // A removed node keeps its events; its id is all that is left to show.
        return name
          ? h('span', { class: 'mono' }, name)
          : h('span', { class: 'mono dim', title: 'no longer known to the station' }, e.nodeId);
      },
    },
    {
      title: 'Message',
      key: 'message',
      minWidth: 300,
      render: (e) => {
        const lines = detailLines(e.details);
        // One line per row keeps virtual scrolling exact; the whole text is in the tooltip.
        const cls = lines.length ? 'message has-details' : 'message';
        const text = h('span', { class: cls }, e.message);
        if (lines.length === 0 && e.message.length < 80) return text;
        return h(
          NTooltip,
          { style: { maxWidth: '560px' }, placement: 'bottom-start' },
          {
            trigger: () => text,
            default: () => [
              h('div', null, e.message),
              // Tooltips render outside the page, so scoped styles do not reach them.
              ...lines.map((line) => h('div', { style: detailStyle }, line)),
            ],
          },
        );
      },
    },
    { title: 'Alert', key: 'alert', width: 130, render: (e) => alertCell(e, lookups) },
  ];
}
