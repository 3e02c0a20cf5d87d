import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Nic } from '../../protocol/inventory.js';

export const sysClassNet = '/sys/class/net';

/** /sys/class/net/<if>/speed holds Mb/s; virtual links print -1 or fail to read (EINVAL). */
export function parseSpeed(text: string): number | null {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return null;
  const speed = Number(trimmed);
  return Number.isSafeInteger(speed) && speed >= 0 ? speed : null;
}

/** Builds the NIC list from os.networkInterfaces() output; loopback is not a SAN link. */
export function nicsFrom(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>,
  speeds: ReadonlyMap<string, number | null>,
): Nic[] {
  const nics: Nic[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    if (name === 'lo' || !entries || entries.length === 0) continue;
    nics.push({
      name,
      mac: entries[0]!.mac,
      speedMbps: speeds.get(name) ?? null,
      addresses: entries.map((entry) => ({
        address: entry.address,
        family: familyOf(entry.family),
        cidr: entry.cidr ?? null,
      })),
    });
  }
  return nics;
}

/** Node 18.0–18.3 reported the family as the number 4 or 6. */
function familyOf(family: string | number): 'IPv4' | 'IPv6' {
  return family === 'IPv4' || family === 4 ? 'IPv4' : 'IPv6';
}

async function readSpeed(sysNet: string, name: string): Promise<number | null> {
  // Interface names never hold '/', but this becomes a path: refuse anything that could escape.
  if (name.includes('/') || name === '.' || name === '..') return null;
  try {
    return parseSpeed(await readFile(path.join(sysNet, name, 'speed'), 'utf8'));
  } catch {
    return null;
  }
}

export async function listNics(sysNet = sysClassNet): Promise<Nic[]> {
  const interfaces = os.networkInterfaces();
  const names = Object.keys(interfaces).filter((name) => name !== 'lo');
  const speeds = new Map<string, number | null>();
  await Promise.all(names.map(async (name) => speeds.set(name, await readSpeed(sysNet, name))));
  return nicsFrom(interfaces, speeds);
}
