import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { toolNames } from '../../protocol/inventory.js';
import type { Inventory } from '../../protocol/inventory.js';

/**
 * Storage tools live in sbin, which a non-root SSH session's PATH often lacks; the agent
 * runs them by absolute path later, so it looks there too.
 */
export const extraToolDirs = ['/usr/sbin', '/sbin'];

/** The search order: PATH's absolute entries, then the sbin directories, without repeats. */
export function toolSearchDirs(searchPath: string | undefined): string[] {
  // Relative or empty PATH entries mean "the current directory": never run tools from there.
  const fromPath = (searchPath ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  return [...new Set([...fromPath, ...extraToolDirs])];
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the first executable `name` found, or null. */
export async function findTool(
  name: string,
  searchPath: string | undefined,
): Promise<string | null> {
  for (const dir of toolSearchDirs(searchPath)) {
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

export async function findTools(searchPath: string | undefined): Promise<Inventory['tools']> {
  const found = await Promise.all(
    toolNames.map(async (name) => [name, await findTool(name, searchPath)] as const),
  );
  return Object.fromEntries(found) as Inventory['tools'];
}
