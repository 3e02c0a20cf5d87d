import { defineStore } from 'pinia';
import { computed, shallowRef, triggerRef } from 'vue';
import type { HostView } from '../../protocol/hosts.js';
import type { NodeView } from '../../protocol/nodes.js';
import type { Params } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { liveList } from './live-list.js';
import { byName } from '../collate.js';

/**
 * Every host with the volumes attached to it, kept live by 'host.updated' events. The
 * station sends that event when an attachment changes; a host's own changes (deployed, up,
 * down, added, removed) come as node events, which update the node inside the view here so
 * the page never shows a host healthier or staler than the Nodes page does.
 */
export const useHostsStore = defineStore('hosts', () => {
  const byId = shallowRef(new Map<string, HostView>());

  const list = computed(() =>
    [...byId.value.values()].sort((a, b) => byName(a.node.name, b.node.name)),
  );

  function put(host: HostView): void {
    byId.value.set(host.node.id, host);
    triggerRef(byId);
  }

  function putNode(node: NodeView): void {
    if (node.role !== 'host') return;
    const old = byId.value.get(node.id);
    // A host the station has just added holds nothing yet.
    put(old ? { ...old, node } : { node, attachments: [], attachedBytes: 0 });
  }

  function drop(id: string): void {
    if (byId.value.delete(id)) triggerRef(byId);
  }

  const { loaded, loading, loadError, load, apply, start } = liveList({
    types: ['host.updated', 'node.updated', 'node.removed'],
    fetch: () => station.call('host/list', {}),
    replace: (hosts) => {
      byId.value = new Map(hosts.map((h) => [h.node.id, h]));
    },
    applyNow: (event) => {
      if (event.type === 'host.updated') put(event.host);
      else if (event.type === 'node.updated') putNode(event.node);
      else if (event.type === 'node.removed') drop(event.id);
    },
  });

  function get(id: string): HostView | undefined {
    return byId.value.get(id);
  }

  // Each of these starts a task and answers its id; the attachment itself arrives by events.
  async function attach(params: Params<'host/attach'>): Promise<string> {
    return (await station.call('host/attach', params)).taskId;
  }

  async function detach(attachmentId: string, force = false): Promise<string> {
    return (await station.call('host/detach', { attachmentId, force })).taskId;
  }

  async function assign(params: Params<'host/assign'>): Promise<string> {
    return (await station.call('host/assign', params)).taskId;
  }

  return { list, loaded, loading, loadError, start, load, apply, get, attach, detach, assign };
});
