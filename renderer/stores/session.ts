import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { DvsanError } from '../../protocol/errors.js';
import type { StationMethod } from '../../protocol/station-api.js';
import type { SessionView } from '../../protocol/users.js';
import { station, web } from '../api/index.js';

export type SessionState = 'loading' | 'signed-in' | 'signed-out' | 'unreachable';

/**
 * Who uses the console and what they may change. The station decides (`session/me`); the
 * console only hides what would be refused anyway.
 */
export const useSessionStore = defineStore('session', () => {
  const state = ref<SessionState>('loading');
  const me = ref<SessionView | null>(null);
  const error = ref<string | null>(null);

  const user = computed(() => me.value?.user ?? null);
  const role = computed(() => me.value?.role ?? null);
  /** A login is in use (a web console of a station that asks for one): offer Logout. */
  const usesLogin = computed(() => Boolean(me.value?.csrfToken));

  function canChange(method: StationMethod): boolean {
    return me.value?.may.includes(method) ?? false;
  }

  function signedOut(): void {
    me.value = null;
    state.value = 'signed-out';
  }

  async function load(): Promise<void> {
    try {
      const view = await station.call('session/me', {});
      web?.setCsrfToken(view.csrfToken);
      me.value = view;
      state.value = 'signed-in';
      error.value = null;
    } catch (err) {
      if (err instanceof DvsanError && err.code === 'unauthorized') return signedOut();
      error.value = err instanceof Error ? err.message : String(err);
      state.value = 'unreachable';
    }
  }

  /** Signs in; the error text (wrong password, try again in N s) is left in `error`. */
  async function login(name: string, password: string): Promise<boolean> {
    if (!web) return false;
    const answer = await web.login(name, password);
    if (!answer.ok) {
      error.value = (answer.error as { message?: string }).message ?? 'login failed';
      return false;
    }
    error.value = null;
    me.value = answer.result as SessionView;
    state.value = 'signed-in';
    return true;
  }

  async function logout(): Promise<void> {
    await web?.logout();
    signedOut();
  }

  // A station that answers 401 later (session expired, password reset) asks for a new login.
  web?.onUnauthorized(() => {
    if (state.value === 'signed-in') signedOut();
  });

  return { state, me, error, user, role, usesLogin, canChange, load, login, logout };
});
