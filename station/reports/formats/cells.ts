import { formatBytes } from '../../../protocol/size.js';
import type { Cell, CellType } from '../types.js';

/** A cell as a person reads it in HTML and PDF; CSV and JSON keep the raw value. */
export function showCell(value: Cell, type: CellType = 'text'): string {
  if (value === null || value === '') return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    if (type === 'bytes') return formatBytes(value);
    if (type === 'percent') return `${value}%`;
    return value.toLocaleString('en-US');
  }
  if (type === 'time') return value.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return value;
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => entities[c] as string);
