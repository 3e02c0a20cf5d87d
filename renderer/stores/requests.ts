import { defineStore } from 'pinia';
import { computed, shallowRef, triggerRef } from 'vue';
import type { HostRequestView } from '../../protocol/hosts.js';
import { station } from '../api/index.js';
import { liveList } from './live-list.js';

/**
 * The requests card: the queue oldest first (first asked, first answered), then the
 * `recent` newest decided ones.
 */
export function splitRequests(
  requests: Iterable<HostRequestView>,
  recent = 10,
): { pending: HostRequestView[]; decided: HostRequestView[] } {
  const pending: HostRequestView[] = [];
  const decided: HostRequestView[] = [];
  for (const r of requests) (r.state === 'pending' ? pending : decided).push(r);
  pending.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  decided.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
  return { pending, decided: decided.slice(0, recent) };
}

/**
 * Volumes hosts asked for (`dvsan-agent request`), kept live by 'request.updated' events:
 * the queue waiting for an administrator, and the ones decided lately.
 */
export const useRequestsStore = defineStore('requests', () => {
  const byId = shallowRef(new Map<string, HostRequestView>());

  function put(request: HostRequestView): void {
    // A late list answer or event must not roll a request back to an older state.
    const old = byId.value.get(request.id);
    if (old && old.updatedAt > request.updatedAt) return;
    byId.value.set(request.id, request);
    triggerRef(byId);
  }

  const split = computed(() => splitRequests(byId.value.values()));
  const pending = computed(() => split.value.pending);
  const decided = computed(() => split.value.decided);

  const { loaded, loading, loadError, load, apply, start } = liveList({
    types: ['request.updated'],
    fetch: () => station.call('request/list', {}),
    replace: (requests) => {
      byId.value = new Map(requests.map((r) => [r.id, r]));
    },
    applyNow: (event) => {
      if (event.type === 'request.updated') put(event.request);
    },
  });

  function get(id: string): HostRequestView | undefined {
    return byId.value.get(id);
  }

  // The station answers with the decided request: shown at once, before its event.
  async function approve(id: string): Promise<HostRequestView> {
    const request = await station.call('request/approve', { id });
    put(request);
    return request;
  }

  async function deny(id: string, reason?: string): Promise<HostRequestView> {
    const request = await station.call('request/deny', {
      id,
      ...(reason ? { reason } : {}),
    });
    put(request);
    return request;
  }

  return { pending, decided, loaded, loading, loadError, start, load, apply, get, approve, deny };
});
