// Shared pieces of the console, used by more than one page.
export { default as DialogButtons } from './DialogButtons.vue';
export { default as DialogShell } from './DialogShell.vue';
export { default as EmptyState } from './EmptyState.vue';
export { default as FormDialog } from './FormDialog.vue';
export { default as HealthTag } from './HealthTag.vue';
export { default as LoadError } from './LoadError.vue';
export { default as StationError } from './StationError.vue';
export { default as UsageBar } from './UsageBar.vue';
export * from './status.js';
export * from './theme.js';
