import { useThemeVars } from 'naive-ui';
import { computed, type ComputedRef } from 'vue';
import { useDark } from '../../components/theme.js';
import type { GraphPalette } from './graph-style.js';

/** The graph's colours from naive-ui's theme; the canvas is outside its CSS, so it asks here. */
export function useGraphPalette(): ComputedRef<GraphPalette> {
  const vars = useThemeVars();
  const dark = useDark();
  return computed(() => ({
    ok: vars.value.successColor,
    bad: vars.value.errorColor,
    warn: vars.value.warningColor,
    info: vars.value.infoColor,
    muted: dark.value ? '#6e6e78' : '#b4b4bc',
    text: vars.value.textColor2,
    background: vars.value.cardColor,
    // Solid colours: cytoscape drops the alpha of rgba() line colours.
    edge: dark.value ? '#5a5a64' : '#c4c4cc',
    focus: vars.value.primaryColor,
  }));
}
