// Shared pieces of the console, used by more than one page.
export { default as HealthTag } from './HealthTag.vue';
export { default as UsageBar } from './UsageBar.vue';
export * from './status.js';
export * from './theme.js';
