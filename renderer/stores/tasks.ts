import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import type { StationEvent } from '../../protocol/station-api.js';
import type { Task } from '../../protocol/tasks.js';
import { station } from '../api/index.js';
import { toShape } from '../error-text.js';
import { liveFeed } from './live.js';

const activeStates: ReadonlySet<Task['state']> = new Set(['queued', 'running']);

export interface TargetActivity {
  taskId: string;
  kind: string;
  state: Task['state'];
  progress: number;
  /** What is going on now, in the station's words. */
  message: string | null;
}

/**
 * One target's share of a task. The station gives multi-target tasks one step per target,
 * in the same order (a bulk deploy: step i is node targets[i]), so a node shows its own step;
 * other tasks show their overall progress. Null once that target's own step has finished.
 */
export function targetActivity(task: Task, target: string): TargetActivity | null {
  const index = task.targets.indexOf(target);
  const step = task.steps.length === task.targets.length ? task.steps[index] : undefined;
  if (step) {
    if (!activeStates.has(step.state)) return null;
    return {
      taskId: task.id,
      kind: task.kind,
      state: step.state,
      progress: step.progress,
      message: step.message,
    };
  }
  const running = task.steps.find((s) => s.state === 'running');
  const message = running
    ? (running.message ?? running.name)
    : (task.steps.filter((s) => s.message).at(-1)?.message ?? null);
  return { taskId: task.id, kind: task.kind, state: task.state, progress: task.progress, message };
}

/** Tasks kept live by 'task.updated' events; fetched once and after a reconnect. */
export const useTasksStore = defineStore('tasks', () => {
  const byId = shallowReactive(new Map<string, Task>());
  const loadError = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);

  /** Newest first, as the Tasks page lists them. */
  const list = computed(() =>
    [...byId.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    ),
  );

  /** Keep the newer of two copies: a late list answer must not roll a task back. */
  function upsert(task: Task): void {
    const old = byId.get(task.id);
    if (old && old.updatedAt > task.updatedAt) return;
    byId.set(task.id, task);
  }

  function apply(event: StationEvent): void {
    if (event.type === 'task.updated') upsert(event.task);
  }

  /** For each target (node id), its newest queued or running task. */
  const activeByTarget = computed(() => {
    const map = new Map<string, Task>();
    for (const task of byId.values()) {
      if (!activeStates.has(task.state)) continue;
      for (const target of task.targets) {
        if (!targetActivity(task, target)) continue;
        const prev = map.get(target);
        if (!prev || prev.createdAt < task.createdAt) map.set(target, task);
      }
    }
    return map;
  });

  async function load(): Promise<void> {
    loading.value = true;
    try {
      for (const task of await station.call('task/list', {})) upsert(task);
      loaded.value = true;
      loadError.value = null;
    } catch (err) {
      loadError.value = toShape(err).message;
    } finally {
      loading.value = false;
    }
  }

  /** Cancels a queued task, or asks a running one to stop; throws the station's refusal. */
  async function cancel(id: string): Promise<void> {
    upsert(await station.call('task/cancel', { id }));
  }

  /** Fetch one task we just started, so its bar shows before its first event arrives. */
  async function track(id: string): Promise<void> {
    try {
      upsert(await station.call('task/get', { id }));
    } catch {
      // Events will bring it; a failed fetch here changes nothing the user must act on.
    }
  }

  const start = liveFeed(apply, load);

  /** What is happening to one target (node id) right now, or undefined when nothing is. */
  function activityFor(target: string): TargetActivity | undefined {
    const task = activeByTarget.value.get(target);
    return (task && targetActivity(task, target)) || undefined;
  }

  return {
    byId,
    list,
    loaded,
    loading,
    loadError,
    start,
    load,
    apply,
    upsert,
    track,
    cancel,
    activityFor,
  };
});
