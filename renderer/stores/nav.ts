import { defineStore } from 'pinia';
import { ref } from 'vue';

/**
 * Where the console is, kept in the URL hash ("#/nodes", "#/nodes/<id>") so reload and the
 * back button work without a router package.
 */
export interface Route {
  page: string;
  /** The object opened in a detail view on that page, if any. */
  id: string | null;
}

export function parseHash(hash: string, fallback: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);
  return { page: parts[0] ?? fallback, id: parts[1] ?? null };
}

export function formatHash(route: Route): string {
  const parts = [route.page, ...(route.id ? [route.id] : [])].map(encodeURIComponent);
  return `#/${parts.join('/')}`;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const useNavStore = defineStore('nav', () => {
  const route = ref<Route>(parseHash(window.location.hash, 'dashboard'));
  window.addEventListener('hashchange', () => {
    route.value = parseHash(window.location.hash, 'dashboard');
  });

  function go(page: string, id: string | null = null): void {
    const hash = formatHash({ page, id });
    if (window.location.hash !== hash) window.location.hash = hash;
    route.value = { page, id };
  }

  return { route, go };
});
