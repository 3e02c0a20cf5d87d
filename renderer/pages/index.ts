import { defineAsyncComponent, type Component } from 'vue';
import { useNodesStore } from '../stores/nodes.js';
import { useTasksStore } from '../stores/tasks.js';
import { useVolumesStore } from '../stores/volumes.js';

export interface PageEntry {
  /** The first part of the URL hash, e.g. "nodes" for "#/nodes". */
  key: string;
  label: string;
  component: Component;
  /** Fetches the page's code; the console calls it early, before the session check answers. */
  load: () => Promise<unknown>;
  /**
   * Starts the live stores the page reads (each start is idempotent). The shell starts only
   * the open page's stores, so a page that needs 10,000 volumes does not wait behind every
   * node's inventory.
   */
  startStores: () => void;
}

const nodes = () => useNodesStore().start();
const tasks = () => useTasksStore().start();
const volumes = () => useVolumesStore().start();

// Each page is its own chunk: the first load parses the shell and the open page only (the
// charts and the graph library stay out of it unless their page is open).
function page(
  key: string,
  label: string,
  load: () => Promise<{ default: Component }>,
  stores: (() => void)[] = [],
): PageEntry {
  return {
    key,
    label,
    load,
    component: defineAsyncComponent(load),
    startStores: () => stores.forEach((start) => start()),
  };
}

/**
 * The console's pages, in menu order. DESIGN.md plans pool, volumes, hosts, tasks, events,
 * topology, reports, users and settings: each gets an entry here once its page exists, so
 * the menu never offers a page that is not there.
 */
export const pages: readonly PageEntry[] = [
  page('dashboard', 'Dashboard', () => import('./dashboard/DashboardPage.vue'), [nodes, tasks]),
  page('nodes', 'Nodes', () => import('./nodes/NodesPage.vue'), [nodes, tasks]),
  page('pool', 'Pool', () => import('./pool/PoolPage.vue'), [nodes]),
  page('volumes', 'Volumes', () => import('./volumes/VolumesPage.vue'), [volumes]),
  page('hosts', 'Hosts', () => import('./hosts/HostsPage.vue'), [tasks]),
  page('tasks', 'Tasks', () => import('./tasks/TasksPage.vue'), [tasks]),
  page('events', 'Events', () => import('./events/EventsPage.vue'), [nodes]),
  page('topology', 'Topology', () => import('./topology/TopologyPage.vue'), [nodes]),
  page('reports', 'Reports', () => import('./reports/ReportsPage.vue')),
  page('users', 'Users', () => import('./users/UsersPage.vue')),
  page('settings', 'Settings', () => import('./settings/SettingsPage.vue')),
];

export function findPage(key: string): PageEntry {
  return pages.find((p) => p.key === key) ?? pages[0]!;
}
