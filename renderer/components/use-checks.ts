import { ref, watch, type WatchSource } from 'vue';

// A form is checked when it is first sent, then live as the user corrects it, so nobody is
// scolded while still typing. Both helpers below follow that rule.

/** Field errors of a form with several fields, as NFormItem feedback. */
export function useFieldErrors<F extends string>(
  validate: () => Partial<Record<F, string>>,
  source: WatchSource | object,
) {
  const fieldErrors = ref<Partial<Record<F, string>>>({});
  const tried = ref(false);
  watch(source, () => {
    if (tried.value) fieldErrors.value = validate();
  });

  /** Props for an NFormItem: its field's message, if any. */
  function feedback(field: F) {
    const text = fieldErrors.value[field];
    return text ? { feedback: text, validationStatus: 'error' as const } : {};
  }

  /** On sending: true when no field has an error. */
  function check(): boolean {
    tried.value = true;
    fieldErrors.value = validate();
    return Object.keys(fieldErrors.value).length === 0;
  }

  function reset(): void {
    fieldErrors.value = {};
    tried.value = false;
  }

  return { fieldErrors, feedback, check, reset };
}

/**
 * The one field of a form whose check also yields what to send (a size in bytes, an IQN).
 * `validate` answers null while there is nothing to check (the dialog is closing).
 */
export function useCheckedField<T extends object>(
  validate: () => T | { error: string } | null,
  source: WatchSource | WatchSource[],
) {
  const fieldError = ref<string | null>(null);
  const tried = ref(false);
  watch(source, () => {
    const result = tried.value ? validate() : null;
    if (result) fieldError.value = 'error' in result ? result.error : null;
  });

  /** On sending: what to send, or null when the field has an error. */
  function check(): T | null {
    tried.value = true;
    const result = validate();
    if (!result) return null;
    fieldError.value = 'error' in result ? result.error : null;
    return 'error' in result ? null : result;
  }

  function reset(): void {
    fieldError.value = null;
    tried.value = false;
  }

  return { fieldError, check, reset };
}
