// The stores reach the station through renderer/api; their tests put this hand-driven fake in
// its place: vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js')).
import { createPinia, setActivePinia } from 'pinia';
import { vi } from 'vitest';

const listeners = new Set<(e: unknown) => void>();
const reconnects = new Set<() => void>();

/** What a test drives: the answers to calls, the events, the reconnects. */
export const fake = {
  call: vi.fn<(method: string, params: unknown) => Promise<unknown>>(),
  emit: (e: unknown) => listeners.forEach((l) => l(e)),
  reconnect: () => reconnects.forEach((l) => l()),
};

// The two things renderer/api exports, as far as the stores use them.
export const station = {
  call: (method: string, params: unknown) => fake.call(method, params),
  onEvent: (l: (e: unknown) => void) => (listeners.add(l), () => listeners.delete(l)),
};
export const transport = {
  onReconnect: (l: () => void) => (reconnects.add(l), () => reconnects.delete(l)),
};

/** New stores per test; the old stores' subscriptions must not answer for them. */
export function freshStores(): void {
  listeners.clear();
  reconnects.clear();
  fake.call.mockReset();
  setActivePinia(createPinia());
}

/** A promise the test settles by hand, to hold a call in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets the promises already settled run their callbacks. */
export const flush = () => new Promise((r) => setTimeout(r, 0));
