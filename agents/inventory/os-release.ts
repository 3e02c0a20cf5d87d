import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Inventory } from '../../protocol/inventory.js';

/** Where os-release(5) says to look, in order. */
export const osReleasePaths = ['/etc/os-release', '/usr/lib/os-release'];

/**
 * Parses os-release(5): `KEY=value` lines, values bare or in single or double quotes, with
 * backslash escapes inside double quotes and in bare values. Comments and junk lines are skipped.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    fields[match[1]!] = unquote(match[2]!);
  }
  return fields;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  const body = quoted ? value.slice(1, -1) : value;
  return body.replace(/\\(.)/g, '$1');
}

/** The `os` part of the inventory; a missing os-release still yields a usable answer. */
export async function readOsInfo(
  paths: readonly string[] = osReleasePaths,
): Promise<Inventory['os']> {
  let fields: Record<string, string> = {};
  for (const path of paths) {
    try {
      fields = parseOsRelease(await readFile(path, 'utf8'));
      break;
    } catch {
      // Try the next location; containers sometimes have neither.
    }
  }
  return {
    id: fields.ID ?? 'linux',
    version: fields.VERSION_ID ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? 'Linux',
    kernel: os.release(),
    arch: os.arch(),
  };
}
