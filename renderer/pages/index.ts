import type { Component } from 'vue';
import EventsPage from './events/EventsPage.vue';
import NodesPage from './nodes/NodesPage.vue';
import PoolPage from './pool/PoolPage.vue';
import SettingsPage from './settings/SettingsPage.vue';
import VolumesPage from './volumes/VolumesPage.vue';

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
  { key: 'nodes', label: 'Nodes', component: NodesPage },
  { key: 'pool', label: 'Pool', component: PoolPage },
  { key: 'volumes', label: 'Volumes', component: VolumesPage },
  { key: 'events', label: 'Events', component: EventsPage },
  { key: 'settings', label: 'Settings', component: SettingsPage },
];

export function findPage(key: string): PageEntry {
  return pages.find((p) => p.key === key) ?? pages[0]!;
}
