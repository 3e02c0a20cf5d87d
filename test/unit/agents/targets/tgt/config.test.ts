import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TgtConfigDir,
  exportFileName,
  noPeerAddress,
  parseConfig,
  renderConfig,
  type TgtExportRecord,
} from '../../../../../agents/targets/tgt/index.js';

const a: TgtExportRecord = {
  iqn: 'iqn.2026-11.io.dvsan:u1.vol-a',
  backing: '/var/lib/dvsan/data/volumes/vol-a.img',
  acls: [
    {
      initiatorIqn: 'iqn.2026-01.dev.host:h1',
      chap: {
        user: 'dvsan-111111111111',
        secret: 'Secret111111aaaa',
        mutualUser: 'dvsan-t-111111',
        mutualSecret: 'Mutual111111aaaa',
      },
    },
    {
      initiatorIqn: 'iqn.2026-01.dev.host:h2',
      chap: { user: 'dvsan-222222222222', secret: 'Secret222222bbbb' },
    },
  ],
};
const open: TgtExportRecord = {
  iqn: 'iqn.2026-11.io.dvsan:u1.vol-b',
  backing: '/var/lib/dvsan/data/volumes/vol-b.img',
  acls: [{ initiatorIqn: 'iqn.2026-01.dev.host:h3', chap: null }],
};
const nobody: TgtExportRecord = {
  iqn: 'iqn.2026-11.io.dvsan:u1.vol-c',
  backing: '/var/lib/dvsan/data/volumes/vol-c.img',
  acls: [],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tgt-conf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tgt-admin config text', () => {
  it('renders targets in tgt-admin syntax, with a never-matching address rule in every block', () => {
    const text = renderConfig([a, open, nobody]);
    const block = text.slice(text.indexOf('<target iqn.2026-11.io.dvsan:u1.vol-a>'));
    expect(block.split('\n').slice(0, 10)).toEqual([
      '<target iqn.2026-11.io.dvsan:u1.vol-a>',
      '    # dvsan-acl iqn.2026-01.dev.host:h1 dvsan-111111111111 dvsan-t-111111',
      '    # dvsan-acl iqn.2026-01.dev.host:h2 dvsan-222222222222 -',
      '    backing-store /var/lib/dvsan/data/volumes/vol-a.img',
      `    initiator-address ${noPeerAddress}`,
      '    initiator-name iqn.2026-01.dev.host:h1',
      '    initiator-name iqn.2026-01.dev.host:h2',
      '    incominguser dvsan-111111111111 Secret111111aaaa',
      '    incominguser dvsan-222222222222 Secret222222bbbb',
      '    outgoinguser dvsan-t-111111 Mutual111111aaaa',
    ]);
    // tgt-admin would bind "ALL" to a block without initiator-address: every block has one,
    // including one with no ACL at all (which must admit nobody).
    const blocks = text.split('<target ').slice(1);
    expect(blocks).toHaveLength(3);
    for (const b of blocks) expect(b).toContain(`initiator-address ${noPeerAddress}\n`);
    expect(text).not.toMatch(/initiator-address ALL/);
  });

  it('reads back exactly what it wrote', () => {
    expect(parseConfig(renderConfig([a, open, nobody]))).toEqual([a, open, nobody]);
    expect(parseConfig(renderConfig([]))).toEqual([]);
  });

  it('refuses values tgt-admin would hand to a shell, without echoing them', () => {
    for (const secret of [
      'abc;reboot;xyz12',
      'abc$(id)xyz1234',
      'abc`id`xyz12345',
      'abc#comment1234',
      "abc'quote'12345",
    ]) {
      const bad = {
        ...a,
        acls: [{ initiatorIqn: 'iqn.2026-01.dev.host:h1', chap: { user: 'u1', secret } }],
      };
      let message = '';
      try {
        renderConfig([bad]);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/CHAP secret may only use/);
      expect(message).not.toContain(secret);
    }
    expect(() => renderConfig([{ ...open, backing: '/data/v 1.img' }])).toThrow(/backing path/);
    expect(() => renderConfig([{ ...open, iqn: 'iqn.2026-11.io.dvsan:x>\n<target y' }])).toThrow();
  });

  it('says which line of a broken file is wrong', () => {
    expect(() => parseConfig('<target iqn.2026-11.io.dvsan:a>\n    backing-store /x\n')).toThrow(
      /not closed/,
    );
    expect(() => parseConfig('backing-store /x\n', '/etc/tgt/conf.d/dvsan.conf')).toThrow(
      /dvsan.conf line 1: a setting outside/,
    );
    expect(() => parseConfig('<target iqn.2026-11.io.dvsan:a>\n    lun 3\n</target>\n')).toThrow(
      /line 2: unexpected setting "lun"/,
    );
    expect(() => parseConfig('<target iqn.2026-11.io.dvsan:a>\n</target>\n')).toThrow(
      /no backing-store/,
    );
  });
});

describe('one file per export in conf.d', () => {
  it('writes each export owner-only and atomically, creating conf.d, and reads it back', async () => {
    const conf = new TgtConfigDir(path.join(dir, 'c1', 'conf.d'));
    expect(await conf.readAll()).toEqual([]);
    expect(await conf.read(a.iqn)).toBeNull();
    await conf.write(a);
    const file = conf.pathOf(a.iqn);
    expect(path.basename(file)).toBe('dvsan-iqn.2026-11.io.dvsan:u1.vol-a.conf');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writeFile(file, renderConfig([a]), { mode: 0o644 });
    await conf.write(a);
    await conf.write(open);
    // Replaced, not rewritten in place: the mode is 0600 again and no temp file is left.
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(conf.dir)).sort()).toEqual([
      exportFileName(a.iqn),
      exportFileName(open.iqn),
    ]);
    expect(await conf.read(a.iqn)).toEqual(a);
    expect(await conf.readAll()).toEqual([a, open]);
    expect(await readFile(file, 'utf8')).toContain(
      'incominguser dvsan-111111111111 Secret111111aaaa',
    );
    expect(await conf.remove(a.iqn)).toBe(true);
    expect(await conf.remove(a.iqn)).toBe(false);
    expect(await conf.readAll()).toEqual([open]);
  });

  it("splits an earlier agent's dvsan.conf into one file per export, keeping newer files", async () => {
    const conf = new TgtConfigDir(path.join(dir, 'c2'));
    await mkdir(conf.dir, { recursive: true });
    await writeFile(path.join(conf.dir, 'dvsan.conf'), renderConfig([a, open, nobody]));
    const newerOpen = { ...open, acls: [] };
    await conf.write(newerOpen);
    // Before the split, both are read; a per-export file wins over dvsan.conf.
    expect(await conf.readAll()).toEqual([a, newerOpen, nobody]);
    await conf.migrate();
    expect((await readdir(conf.dir)).sort()).toEqual(
      [a, open, nobody].map((r) => exportFileName(r.iqn)).sort(),
    );
    expect(await conf.readAll()).toEqual([a, newerOpen, nobody]);
    for (const r of [a, nobody]) expect((await stat(conf.pathOf(r.iqn))).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that does not hold exactly its own export, naming the file', async () => {
    const conf = new TgtConfigDir(path.join(dir, 'c3'));
    await mkdir(conf.dir, { recursive: true });
    await writeFile(conf.pathOf(a.iqn), renderConfig([open]));
    await expect(conf.read(a.iqn)).rejects.toThrow(
      /dvsan-iqn.2026-11.io.dvsan:u1.vol-a.conf line 1/,
    );
    await writeFile(conf.pathOf(a.iqn), renderConfig([a, open]));
    await expect(conf.readAll()).rejects.toThrow(/exactly one <target/);
    expect(() => exportFileName('../../etc/passwd')).toThrow(/target IQN/);
  });
});
