import { NButton, NProgress, NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import { h, type VNodeChild } from 'vue';
import type { NodeView } from '../../../protocol/nodes.js';
import type { StationMethod } from '../../../protocol/station-api.js';
import HealthTag from '../../components/HealthTag.vue';
import { formatEndpoint } from '../../format.js';
import type { TargetActivity } from '../../stores/tasks.js';

type TagType = 'default' | 'info' | 'success' | 'warning' | 'error';

export const stateTagType: Record<NodeView['state'], TagType> = {
  new: 'default',
  deploying: 'info',
  ready: 'success',
  error: 'error',
};

export const roleText: Record<NodeView['role'], string> = { unit: 'SAN unit', host: 'host' };

export interface NodeActions {
  activity(node: NodeView): TargetActivity | undefined;
  confirmKey(node: NodeView): void;
  deploy(node: NodeView): void;
  details(node: NodeView): void;
  remove(node: NodeView): void;
  isBusy(node: NodeView): boolean;
  /** Whether the signed-in user may make this change: other buttons are not shown. */
  canChange(method: StationMethod): boolean;
}

/** Why a node cannot be deployed right now, or null when it can. */
export function deployBlocker(node: NodeView, busy: boolean): string | null {
  if (node.hostKey.state === 'pending') return 'Confirm the host key first';
  if (node.state === 'deploying' || busy) return 'A deploy is running';
  return null;
}

function withTooltip(trigger: VNodeChild, text: string | null): VNodeChild {
  if (!text) return trigger;
  return h(
    NTooltip,
    { style: { maxWidth: '420px' } },
    { trigger: () => trigger, default: () => text },
  );
}

function stateCell(node: NodeView): VNodeChild {
  const tag = h(
    NTag,
    {
      type: stateTagType[node.state],
      size: 'small',
      round: true,
      // A dotted underline says "hover me" where the last error hides in a tooltip.
      class: node.lastError ? 'has-tip' : undefined,
      'data-testid': `node-state-${node.name}`,
    },
    { default: () => node.state },
  );
  return withTooltip(tag, node.lastError);
}

function roleCell(node: NodeView): VNodeChild {
  if (!node.spare) return roleText[node.role];
  // Inline style: NodesPage's stylesheet is not this file's to extend.
  return h(
    'span',
    { style: { display: 'inline-flex', alignItems: 'center', gap: '6px', whiteSpace: 'nowrap' } },
    [
      roleText[node.role],
      h(
        NTag,
        { size: 'small', type: 'info', bordered: false, 'data-testid': `node-spare-${node.name}` },
        { default: () => 'spare' },
      ),
    ],
  );
}

function healthCell(node: NodeView): VNodeChild {
  return h(HealthTag, {
    health: node.health,
    lastSeenAt: node.lastSeenAt,
    testid: `node-health-${node.name}`,
  });
}

function hostKeyCell(node: NodeView, actions: NodeActions): VNodeChild {
  if (node.hostKey.state === 'pending' && actions.canChange('node/trustHostKey')) {
    return h(
      NButton,
      {
        size: 'small',
        type: 'warning',
        secondary: true,
        'data-testid': `node-hostkey-${node.name}`,
        onClick: () => actions.confirmKey(node),
      },
      { default: () => 'Confirm key' },
    );
  }
  const tag = h(
    NTag,
    { size: 'small', bordered: false, 'data-testid': `node-hostkey-${node.name}` },
    { default: () => (node.hostKey.state === 'pending' ? 'pending' : 'trusted') },
  );
  return withTooltip(tag, node.hostKey.fingerprint);
}

function activityCell(node: NodeView, actions: NodeActions): VNodeChild {
  const task = actions.activity(node);
  if (!task) return null;
  const step = task.message ?? (task.state === 'queued' ? 'waiting for its turn' : task.state);
  // Bar and percent on one line, the step below in small type: fits the height of a button row.
  return h('div', { class: 'activity', 'data-testid': `deploy-progress-${node.name}` }, [
    h('div', { class: 'activity-bar' }, [
      h(NProgress, {
        type: 'line',
        percentage: Math.round(task.progress),
        showIndicator: false,
        height: 6,
        processing: task.state === 'running',
      }),
      h('span', { class: 'activity-pct' }, `${Math.round(task.progress)}%`),
    ]),
    withTooltip(h('div', { class: 'activity-step' }, step), step),
  ]);
}

function actionsCell(node: NodeView, actions: NodeActions): VNodeChild {
  const blocker = deployBlocker(node, actions.isBusy(node));
  const deploy = h(
    NButton,
    {
      size: 'small',
      disabled: blocker !== null,
      'data-testid': `node-deploy-${node.name}`,
      onClick: () => actions.deploy(node),
    },
    { default: () => (node.agent.version ? 'Redeploy' : 'Deploy') },
  );
  return h('div', { class: 'row-actions' }, [
    // A disabled button swallows hover, so the reason goes on a wrapper.
    !actions.canChange('node/deploy')
      ? null
      : blocker
        ? withTooltip(h('span', null, [deploy]), blocker)
        : deploy,
    h(
      NButton,
      {
        size: 'small',
        'data-testid': `node-details-${node.name}`,
        onClick: () => actions.details(node),
      },
      { default: () => 'Details' },
    ),
    actions.canChange('node/remove')
      ? h(
          NButton,
          {
            size: 'small',
            type: 'error',
            // Quiet in every row; the confirmation dialog is where it gets loud.
            quaternary: true,
            'data-testid': `node-remove-${node.name}`,
            onClick: () => actions.remove(node),
          },
          { default: () => 'Remove' },
        )
      : null,
  ]);
}

/** Sum of the fixed widths above: below it the table scrolls sideways, name and actions pinned. */
export const tableMinWidth = 1488;

export function nodeColumns(actions: NodeActions): DataTableColumns<NodeView> {
  return [
    {
      type: 'selection',
      // An explicit width: the pinned Name column's offset is computed from it.
      width: 48,
      fixed: 'left',
      // Bulk deploy only offers nodes that can be deployed, to users who may deploy.
      disabled: (node) =>
        !actions.canChange('node/deploy') || deployBlocker(node, actions.isBusy(node)) !== null,
    },
    {
      title: 'Name',
      key: 'name',
      width: 130,
      fixed: 'left',
      ellipsis: { tooltip: true },
      render: (node) =>
        h('span', { class: 'node-name', 'data-testid': `node-row-${node.name}` }, node.name),
    },
    { title: 'Role', key: 'role', width: 130, render: roleCell },
    {
      // user@address:port, the way ssh spells a login; one column keeps the table on screen.
      title: 'SSH login',
      key: 'address',
      width: 220,
      ellipsis: { tooltip: true },
      render: (node) => `${node.user}@${formatEndpoint(node.address, node.port)}`,
    },
    { title: 'Host key', key: 'hostKey', width: 115, render: (node) => hostKeyCell(node, actions) },
    { title: 'State', key: 'state', width: 105, render: stateCell },
    { title: 'Health', key: 'health', width: 90, render: healthCell },
    { title: 'Agent', key: 'agent', width: 160, render: (node) => node.agent.version ?? '—' },
    {
      title: 'Activity',
      key: 'activity',
      minWidth: 180,
      render: (node) => activityCell(node, actions),
    },
    {
      title: 'Actions',
      key: 'actions',
      width: 270,
      fixed: 'right',
      render: (node) => actionsCell(node, actions),
    },
  ];
}
