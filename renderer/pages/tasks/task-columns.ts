import { NButton, NProgress, NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import { h, type VNodeChild } from 'vue';
import type { Task } from '../../../protocol/tasks.js';
import type { TagType } from '../../components/status.js';
import { formatTime } from '../../format.js';

/** Task kinds in an admin's words; a kind missing here shows as the station names it. */
export const kindText: Record<string, string> = {
  'node.deploy': 'Deploy agent',
  'volume.create': 'Create volume',
  'volume.resize': 'Resize volume',
  'volume.delete': 'Delete volume',
  'volume.export': 'Export volume',
  'volume.unexport': 'Unexport volume',
  'unit.reconcile': 'Repair unit exports',
  'unit.check': 'Check unit exports',
  'host.attach': 'Attach volume',
  'host.detach': 'Detach volume',
  'host.forceDetach': 'Force-detach volume',
  'host.assign': 'Assign new volume',
};

export const describeKind = (kind: string) => kindText[kind] ?? kind;

export const taskStateTagType: Record<Task['state'], TagType> = {
  queued: 'default',
  running: 'info',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'warning',
  interrupted: 'warning',
};

export const isActive = (t: Task) => t.state === 'queued' || t.state === 'running';

/** What the task works on: the objects it locks by name, else its first step. */
export function subject(t: Task): string {
  const named = t.locks.filter((l) => l.kind !== 'pool').map((l) => `${l.kind} ${l.label ?? l.id}`);
  return named.join(', ') || t.steps[0]?.name || '—';
}

/** One line under the bar: why it waits, what it does now, or how it ended. */
export function statusLine(t: Task): string {
  if (t.waitingFor) return `waiting for ${t.waitingFor}`;
  if (t.error) return t.error.message;
  const running = t.steps.find((s) => s.state === 'running');
  if (running) return running.message ?? running.name;
  return t.steps.filter((s) => s.message).at(-1)?.message ?? '';
}

export interface TaskActions {
  open(task: Task): void;
  cancel(task: Task): void;
  /** Tasks whose cancel request is in flight. */
  cancelling(task: Task): boolean;
  /** Whether the signed-in user may cancel it (an operator cancels only their own). */
  mayCancel(task: Task): boolean;
}

/** Sum of the fixed widths: below it the table scrolls sideways. */
export const taskTableMinWidth = 1110;

function progressCell(t: Task): VNodeChild {
  const line = statusLine(t);
  const text = h('div', { class: 'status-line', 'data-testid': `task-status-${t.id}` }, line);
  return h('div', { class: 'progress-cell' }, [
    h('div', { class: 'bar' }, [
      h(NProgress, {
        type: 'line',
        percentage: Math.round(t.progress),
        showIndicator: false,
        height: 6,
        processing: t.state === 'running',
        status: t.state === 'failed' ? 'error' : t.state === 'succeeded' ? 'success' : 'default',
      }),
      h(
        'span',
        { class: 'pct', 'data-testid': `task-progress-${t.id}` },
        `${Math.round(t.progress)}%`,
      ),
    ]),
    line.length > 60
      ? h(NTooltip, { style: { maxWidth: '520px' } }, { trigger: () => text, default: () => line })
      : text,
  ]);
}

export function taskColumns(actions: TaskActions): DataTableColumns<Task> {
  return [
    {
      title: 'Task',
      key: 'kind',
      width: 220,
      render: (t) =>
        h('div', null, [
          h('div', { class: 'kind' }, [
            describeKind(t.kind),
            // The short id the waiting text and the CLI use for this task.
            h('span', { class: 'mono dim short-id' }, t.id.slice(0, 8)),
          ]),
          h('div', { class: 'subject dim', title: subject(t) }, subject(t)),
        ]),
    },
    {
      title: 'State',
      key: 'state',
      width: 100,
      render: (t) =>
        h(
          NTag,
          {
            size: 'small',
            round: true,
            type: taskStateTagType[t.state],
            'data-testid': `task-state-${t.id}`,
          },
          { default: () => t.state },
        ),
    },
    { title: 'Progress', key: 'progress', minWidth: 240, render: progressCell },
    { title: 'User', key: 'user', width: 80, ellipsis: { tooltip: true } },
    {
      title: 'Started',
      key: 'startedAt',
      width: 165,
      render: (t) => h('span', { class: 'mono' }, formatTime(t.startedAt)),
    },
    {
      title: 'Ended',
      key: 'endedAt',
      width: 165,
      render: (t) => h('span', { class: 'mono' }, formatTime(t.endedAt)),
    },
    {
      title: '',
      key: 'actions',
      width: 130,
      render: (t) =>
        h('div', { class: 'actions' }, [
          h(
            NButton,
            { size: 'small', onClick: () => actions.open(t), 'data-testid': `task-log-${t.id}` },
            { default: () => 'Log' },
          ),
          isActive(t) && actions.mayCancel(t)
            ? h(
                NButton,
                {
                  size: 'small',
                  type: 'warning',
                  secondary: true,
                  loading: actions.cancelling(t),
                  onClick: () => actions.cancel(t),
                  'data-testid': `task-cancel-${t.id}`,
                },
                { default: () => 'Cancel' },
              )
            : null,
        ]),
    },
  ];
}
