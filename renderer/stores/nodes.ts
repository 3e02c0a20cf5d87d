import { defineStore } from 'pinia';
import { computed, shallowReactive } from 'vue';
import type { NodeView } from '../../protocol/nodes.js';
import type { Params } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { liveList } from './live-list.js';

/**
 * Every node the station knows, kept live by 'node.updated' / 'node.removed' events.
 * The list is fetched once and again after the event stream reconnects; nothing polls.
 */
export const useNodesStore = defineStore('nodes', () => {
  // shallow: NodeViews are replaced whole by events, never mutated in place.
  const byId = shallowReactive(new Map<string, NodeView>());
  const list = computed(() => [...byId.values()].sort((a, b) => a.name.localeCompare(b.name)));

  const { loaded, loading, loadError, load, apply, start } = liveList({
    types: ['node.updated', 'node.removed'],
    fetch: () => station.call('node/list', {}),
    replace: (nodes) => {
      byId.clear();
      for (const node of nodes) byId.set(node.id, node);
    },
    applyNow: (event) => {
      if (event.type === 'node.updated') byId.set(event.node.id, event.node);
      else if (event.type === 'node.removed') byId.delete(event.id);
    },
  });

  function get(id: string): NodeView | undefined {
    return byId.get(id);
  }

  async function add(params: Params<'node/add'>): Promise<NodeView> {
    const node = await station.call('node/add', params);
    byId.set(node.id, node);
    return node;
  }

  async function trustHostKey(id: string, fingerprint: string): Promise<NodeView> {
    const node = await station.call('node/trustHostKey', { id, fingerprint });
    byId.set(node.id, node);
    return node;
  }

  async function remove(id: string): Promise<void> {
    await station.call('node/remove', { id });
    byId.delete(id);
  }

  async function deploy(ids: string[]): Promise<string> {
    const { taskId } = await station.call('node/deploy', { ids });
    return taskId;
  }

  async function refreshInventory(id: string): Promise<void> {
    const inventory = await station.call('node/inventory', { id, refresh: true });
    const node = byId.get(id);
    if (node) byId.set(id, { ...node, inventory });
  }

  return {
    list,
    loaded,
    loading,
    loadError,
    start,
    load,
    apply,
    get,
    add,
    trustHostKey,
    remove,
    deploy,
    refreshInventory,
  };
});
