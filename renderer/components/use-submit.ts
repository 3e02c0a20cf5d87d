import { ref } from 'vue';
import type { ErrorShape } from '../../protocol/errors.js';
import { toShape } from '../error-text.js';

/**
 * A form's request to the station: `submitting` while it is in flight (a dialog cannot be
 * closed then), and the station's refusal kept in `serverError` for the form's alert.
 */
export function useSubmit() {
  const submitting = ref(false);
  const serverError = ref<ErrorShape | null>(null);

  /**
   * Sends one request. `done` gets the answer once `submitting` is off again, so it may close
   * the dialog; `failed` gets the refusal, e.g. to mark the fields it names.
   */
  async function send<T>(
    request: () => Promise<T>,
    done: (answer: T) => void,
    failed?: (error: ErrorShape) => void,
  ): Promise<void> {
    submitting.value = true;
    try {
      const answer = await request();
      submitting.value = false;
      done(answer);
    } catch (err) {
      serverError.value = toShape(err);
      failed?.(serverError.value);
    } finally {
      submitting.value = false;
    }
  }

  return { submitting, serverError, send };
}
