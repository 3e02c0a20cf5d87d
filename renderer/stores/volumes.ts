import { defineStore } from 'pinia';
import { computed, shallowRef, triggerRef } from 'vue';
import type { Params } from '../../protocol/station-api.js';
import type { VolumeView } from '../../protocol/volumes.js';
import { station } from '../api/index.js';
import { liveList } from './live-list.js';
import { byName } from '../collate.js';

const byVolumeName = (a: VolumeView, b: VolumeView) => byName(a.name, b.name);

/**
 * Every volume the station hands out, kept live by 'volume.updated' / 'volume.removed'
 * events; fetched once and again after the event stream reconnects. Nothing polls.
 * Sites run thousands of volumes, so the Map is one shallow ref: a fetch swaps in a new Map
 * (one change, not 10,000), an event edits it and triggers once, and each VolumeView is
 * replaced whole, never watched field by field.
 */
export const useVolumesStore = defineStore('volumes', () => {
  const byId = shallowRef(new Map<string, VolumeView>());

  /** Sorted by name: the table's order before the user picks a column. */
  const list = computed(() => [...byId.value.values()].sort(byVolumeName));

  /** Volumes per unit id, each list sorted by name, for the unit's detail view. */
  const byUnit = computed(() => {
    const map = new Map<string, VolumeView[]>();
    for (const volume of list.value) {
      const bucket = map.get(volume.unitId);
      if (bucket) bucket.push(volume);
      else map.set(volume.unitId, [volume]);
    }
    return map;
  });

  function put(volume: VolumeView): void {
    byId.value.set(volume.id, volume);
    triggerRef(byId);
  }

  function drop(id: string): void {
    if (byId.value.delete(id)) triggerRef(byId);
  }

  /** 'volume.updated' events seen per volume id (see change()). */
  const eventsSeen = new Map<string, number>();
  const { loaded, loading, loadError, load, apply, start } = liveList({
    types: ['volume.updated', 'volume.removed'],
    fetch: () => station.call('volume/list', {}),
    replace: (volumes) => {
      byId.value = new Map(volumes.map((v) => [v.id, v]));
    },
    applyNow: (event) => {
      if (event.type === 'volume.updated') {
        eventsSeen.set(event.volume.id, (eventsSeen.get(event.volume.id) ?? 0) + 1);
        put(event.volume);
      } else if (event.type === 'volume.removed') drop(event.id);
    },
  });

  function get(id: string): VolumeView | undefined {
    return byId.value.get(id);
  }

  // Each call applies the station's answer at once (the event that follows carries the same
  // view), so the page never shows the old state after a dialog closes.
  function keep(volume: VolumeView): VolumeView {
    put(volume);
    return volume;
  }

  // Changes of one volume queue behind each other as tasks, so the next change's event can
  // arrive before this change's answer: an answer is applied only if no event about the
  // volume came while the call was in flight (that event is at least as new).
  async function change(id: string, call: () => Promise<VolumeView>): Promise<VolumeView> {
    const before = eventsSeen.get(id) ?? 0;
    const volume = await call();
    return (eventsSeen.get(id) ?? 0) === before ? keep(volume) : volume;
  }

  async function create(params: Params<'volume/create'>): Promise<VolumeView> {
    return keep(await station.call('volume/create', params));
  }

  async function resize(id: string, sizeBytes: number): Promise<VolumeView> {
    return change(id, () => station.call('volume/resize', { id, sizeBytes }));
  }

  /** `confirm` is the volume's name, required with `force` while it is exported. */
  async function remove(id: string, force = false, confirm?: string): Promise<void> {
    await station.call('volume/delete', {
      id,
      force,
      ...(confirm === undefined ? {} : { confirm }),
    });
    drop(id);
  }

  async function exportTo(id: string, initiatorIqn: string, hostId?: string): Promise<VolumeView> {
    return change(id, () =>
      station.call('volume/export', {
        id,
        initiatorIqn,
        ...(hostId === undefined ? {} : { hostId }),
      }),
    );
  }

  async function unexport(id: string, initiatorIqn: string): Promise<VolumeView> {
    return change(id, () => station.call('volume/unexport', { id, initiatorIqn }));
  }

  return {
    list,
    byUnit,
    loaded,
    loading,
    loadError,
    start,
    load,
    apply,
    get,
    create,
    resize,
    remove,
    exportTo,
    unexport,
  };
});
