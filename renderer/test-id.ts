import type { InputHTMLAttributes } from 'vue';

/**
 * Attributes for the real <input> inside a naive-ui field (its `input-props`), so browser
 * tests can `fill()` it by test id. Vue's InputHTMLAttributes has no data-* keys, hence the cast.
 */
export function inputProps(testId: string, extra: InputHTMLAttributes = {}): InputHTMLAttributes {
  return { ...extra, 'data-testid': testId } as InputHTMLAttributes;
}
