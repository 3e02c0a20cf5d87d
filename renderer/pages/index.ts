import type { Component } from 'vue';
import DashboardPage from './dashboard/DashboardPage.vue';
import TopologyPage from './topology/TopologyPage.vue';
import EventsPage from './events/EventsPage.vue';
import HostsPage from './hosts/HostsPage.vue';
import NodesPage from './nodes/NodesPage.vue';
import PoolPage from './pool/PoolPage.vue';
import ReportsPage from './reports/ReportsPage.vue';
import SettingsPage from './settings/SettingsPage.vue';
import TasksPage from './tasks/TasksPage.vue';
import VolumesPage from './volumes/VolumesPage.vue';
import UsersPage from './users/UsersPage.vue';

export interface PageEntry {
  /** The first part of the URL hash, e.g. "nodes" for "#/nodes". */
  key: string;
  label: string;
  component: Component;
}

/**
 * The console's pages, in menu order. DESIGN.md plans pool, volumes, hosts, tasks, events,
 * topology, reports, users and settings: each gets an entry here once its page exists, so
 * the menu never offers a page that is not there.
 */
export const pages: readonly PageEntry[] = [
  { key: 'dashboard', label: 'Dashboard', component: DashboardPage },
  { key: 'nodes', label: 'Nodes', component: NodesPage },
  { key: 'pool', label: 'Pool', component: PoolPage },
  { key: 'volumes', label: 'Volumes', component: VolumesPage },
  { key: 'hosts', label: 'Hosts', component: HostsPage },
  { key: 'tasks', label: 'Tasks', component: TasksPage },
  { key: 'events', label: 'Events', component: EventsPage },
  { key: 'topology', label: 'Topology', component: TopologyPage },
  { key: 'reports', label: 'Reports', component: ReportsPage },
  { key: 'users', label: 'Users', component: UsersPage },
  { key: 'settings', label: 'Settings', component: SettingsPage },
];

export function findPage(key: string): PageEntry {
  return pages.find((p) => p.key === key) ?? pages[0]!;
}
