import { describe, expect, it } from 'vitest';
import {
  recordFiles,
  withSettings,
  type RecordFs,
} from '../../../../agents/initiators/node-record.js';

describe('open-iscsi node record edit', () => {
  it('sets each setting once, replacing old lines, before the END RECORD comment', () => {
    const text = 'node.name = t\nnode.session.auth.password = old\n# END RECORD\n';
    expect(withSettings(text, [['node.session.auth.password', 's3cret']])).toBe(
      'node.name = t\nnode.session.auth.password = s3cret\n# END RECORD\n',
    );
    expect(withSettings('node.name = t\n', [['node.session.auth.username', 'u']])).toBe(
      'node.name = t\nnode.session.auth.username = u\n',
    );
  });

  it('refuses a value that could break the record (newline, space, empty)', () => {
    for (const bad of ['a\nnode.startup = automatic', 'has space', ''])
      expect(() => withSettings('', [['node.session.auth.password', bad]])).toThrow(
        /printable characters/,
      );
  });

  it('finds the record of one portal in every layout, and Red Hat’s database too', async () => {
    const tree: Record<string, string[]> = {
      '/etc/iscsi/nodes/iqn.x': ['10.0.0.5,3260,1', '10.0.0.50,3260,1'],
      '/etc/iscsi/nodes/iqn.x/10.0.0.5,3260,1': ['default', 'iface1', '.default.77.ab.tmp'],
      '/var/lib/iscsi/nodes/iqn.y': ['10.0.0.5,3260,1'],
      '/etc/iscsi/nodes/iqn.w': ['10.0.0.5,3260', '10.0.0.5,32600'],
    };
    const fs: RecordFs = {
      list: async (dir) => tree[dir] ?? [],
      isDir: async (file) => file in tree,
      read: async () => null,
      replace: async () => undefined,
    };
    expect(await recordFiles(fs, 'iqn.x', '10.0.0.5', 3260)).toEqual([
      '/etc/iscsi/nodes/iqn.x/10.0.0.5,3260,1/default',
      '/etc/iscsi/nodes/iqn.x/10.0.0.5,3260,1/iface1',
    ]);
    expect(await recordFiles(fs, 'iqn.y', '10.0.0.5', 3260)).toEqual([
      '/var/lib/iscsi/nodes/iqn.y/10.0.0.5,3260,1',
    ]);
    expect(await recordFiles(fs, 'iqn.w', '10.0.0.5', 3260)).toEqual([
      '/etc/iscsi/nodes/iqn.w/10.0.0.5,3260',
    ]);
    expect(await recordFiles(fs, 'iqn.z', '10.0.0.5', 3260)).toEqual([]);
  });
});
