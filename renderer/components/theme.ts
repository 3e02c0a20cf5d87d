import { inject, ref, type InjectionKey, type Ref } from 'vue';

/** Whether the console shows its dark theme; App.vue provides it, charts read it. */
export const darkKey: InjectionKey<Ref<boolean>> = Symbol('dvsan.dark');

export function useDark(): Ref<boolean> {
  return inject(darkKey, ref(false));
}
