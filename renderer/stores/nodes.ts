import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import type { NodeView } from '../../protocol/nodes.js';
import type { Params, StationEvent } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { toShape } from '../error-text.js';
import { liveFeed } from './live.js';

/**
 * Every node the station knows, kept live by 'node.updated' / 'node.removed' events.
 * The list is fetched once and again after the event stream reconnects; nothing polls.
 */
export const useNodesStore = defineStore('nodes', () => {
  // shallow: NodeViews are replaced whole by events, never mutated in place.
  const byId = shallowReactive(new Map<string, NodeView>());
  const loaded = ref(false);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  const list = computed(() => [...byId.values()].sort((a, b) => a.name.localeCompare(b.name)));

  // Events that arrive while a list request is in flight are replayed over its answer,
  // so a node updated during the fetch does not snap back to the older snapshot.
  let buffered: StationEvent[] | null = null;
  let generation = 0;

  function applyNow(event: StationEvent): void {
    if (event.type === 'node.updated') byId.set(event.node.id, event.node);
    else if (event.type === 'node.removed') byId.delete(event.id);
  }

  function apply(event: StationEvent): void {
    if (event.type !== 'node.updated' && event.type !== 'node.removed') return;
    if (buffered) buffered.push(event);
    else applyNow(event);
  }

  async function load(): Promise<void> {
    const mine = ++generation;
    buffered = [];
    loading.value = true;
    try {
      const nodes = await station.call('node/list', {});
      if (mine !== generation) return; // a newer load superseded this one
      byId.clear();
      for (const node of nodes) byId.set(node.id, node);
      const replay = buffered;
      buffered = null;
      replay.forEach(applyNow);
      loaded.value = true;
      loadError.value = null;
    } catch (err) {
      if (mine !== generation) return;
      const replay = buffered ?? [];
      buffered = null;
      replay.forEach(applyNow);
      loadError.value = toShape(err).message;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const start = liveFeed(apply, load);

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
