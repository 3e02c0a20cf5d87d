import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolNames } from '../../../../protocol/inventory.js';
import { findTool, findTools, toolSearchDirs } from '../../../../agents/inventory/tools.js';

async function executable(file: string, mode = 0o755): Promise<void> {
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, mode);
}

describe('toolSearchDirs', () => {
  it('keeps absolute PATH entries in order, then sbin, without repeats or relative entries', () => {
    expect(toolSearchDirs('/opt/bin::.:bin:/usr/sbin:/usr/bin')).toEqual([
      '/opt/bin',
      '/usr/sbin',
      '/usr/bin',
      '/sbin',
    ]);
    expect(toolSearchDirs(undefined)).toEqual(['/usr/sbin', '/sbin']);
  });
});

describe('findTool', () => {
  it('finds the first executable file along PATH and returns its absolute path', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tools-'));
    const [a, b, c] = ['a', 'b', 'c'].map((d) => path.join(root, d)) as [string, string, string];
    await Promise.all([a, b, c].map((d) => mkdir(d)));
    await executable(path.join(a, 'tgtadm'), 0o644); // not executable: skipped
    await mkdir(path.join(b, 'tgtadm')); // a directory: skipped
    await executable(path.join(c, 'tgtadm'));
    await executable(path.join(a, 'iscsi-ls'));
    const searchPath = [a, b, c].join(':');
    expect(await findTool('tgtadm', searchPath)).toBe(path.join(c, 'tgtadm'));
    expect(await findTool('iscsi-ls', searchPath)).toBe(path.join(a, 'iscsi-ls'));
    expect(await findTool('dvsan-no-such-tool', searchPath)).toBeNull();
  });

  it('never looks in the current directory for relative PATH entries', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tools-'));
    await executable(path.join(root, 'dvsan-rel-tool'));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(await findTool('dvsan-rel-tool', `.::${path.basename(root)}`)).toBeNull();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('findTools', () => {
  it('answers every tool name, found or null', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tools-'));
    await executable(path.join(root, 'qemu-storage-daemon'));
    const tools = await findTools(root);
    expect(Object.keys(tools).sort()).toEqual([...toolNames].sort());
    expect(tools['qemu-storage-daemon']).toBe(path.join(root, 'qemu-storage-daemon'));
    for (const found of Object.values(tools))
      expect(found === null || path.isAbsolute(found)).toBe(true);
  });
});
