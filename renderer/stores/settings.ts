import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { Settings } from '../../protocol/pool.js';
import type { Params, StationEvent } from '../../protocol/station-api.js';
import { station } from '../api/index.js';
import { liveFeed, tracked } from './live.js';

/**
 * The station's settings. There is no settings event, but every 'pool.updated' carries the
 * thresholds in force, so a change made from another console shows up here too.
 */
export const useSettingsStore = defineStore('settings', () => {
  const settings = shallowRef<Settings | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  function apply(event: StationEvent): void {
    if (event.type !== 'pool.updated' || !settings.value) return;
    const { warningPct, criticalPct } = event.pool.thresholds;
    const old = settings.value.thresholds;
    if (old.warningPct === warningPct && old.criticalPct === criticalPct) return;
    settings.value = { ...settings.value, thresholds: { warningPct, criticalPct } };
  }

  async function load(): Promise<void> {
    await tracked(loading, loadError, async () => {
      settings.value = await station.call('settings/get', {});
    });
  }

  const start = liveFeed(apply, load);

  /** Sends only what changed; throws the station's error for the page to show. */
  async function update(patch: Params<'settings/update'>): Promise<Settings> {
    const next = await station.call('settings/update', patch);
    settings.value = next;
    return next;
  }

  return { settings, loading, loadError, start, load, apply, update };
});
