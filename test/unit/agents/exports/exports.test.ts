import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backingFileOf,
  createExportBackend,
  createExports,
  detectTargetBackend,
  type BackendProbes,
} from '../../../../agents/exports/index.js';
import { createHandlers } from '../../../../agents/handlers.js';
import type { ExportSpec, TargetBackend, TargetInfo } from '../../../../agents/targets/index.js';
import { TgtBackend } from '../../../../agents/targets/tgt/index.js';
import { agentMethods } from '../../../../protocol/agent-rpc.js';

const probes = (over: Partial<{ port: number; tgt: boolean; lio: boolean }> = {}) => {
  const seen: number[] = [];
  const p: BackendProbes = {
    controlPort: async () => over.port ?? 0,
    tgtAnswers: async (port) => {
      seen.push(port);
      return over.tgt ?? false;
    },
    lioPresent: async () => over.lio ?? false,
  };
  return { probes: p, seen };
};

describe('target backend factory', () => {
  it("picks tgt when a tgtd answers on the node's control port", async () => {
    const { probes: p, seen } = probes({ port: 4, tgt: true, lio: true });
    expect(await detectTargetBackend(p)).toEqual({ kind: 'tgt', controlPort: 4 });
    expect(seen).toEqual([4]);
    const backend = await createExportBackend({ env: {}, probes: p });
    expect(backend).toBeInstanceOf(TgtBackend);
    expect((backend as TgtBackend).tgtadm.controlPort).toBe(4);
  });

  it('picks LIO when only the kernel target is there', async () => {
    const { probes: p } = probes({ lio: true });
    expect(await detectTargetBackend(p)).toEqual({ kind: 'lio', controlPort: null });
    expect((await createExportBackend({ env: {}, probes: p })).kind).toBe('lio');
  });

  it('otherwise fails with an error that names the packages to install', async () => {
    const { probes: p } = probes({ port: 2 });
    const err = await createExportBackend({ env: {}, probes: p }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'agent-error',
      details: { packages: ['tgt', 'targetcli-fb'] },
    });
    expect((err as Error).message).toMatch(/control port 2.*Debian package "tgt"/);
  });
});

/** A backend that records specs and answers every question from them. */
class RecordingBackend implements TargetBackend {
  readonly kind = 'tgt' as const;
  specs = new Map<string, ExportSpec>();
  removed: string[] = [];
  async listTargets(): Promise<TargetInfo[]> {
    return [...this.specs.values()].map((s) => ({
      iqn: s.iqn,
      enabled: true,
      luns: [{ index: 1, backing: s.backing }],
      acls: s.acls.map((a) => ({
        initiatorIqn: a.initiatorIqn,
        chapUser: a.chap?.user ?? null,
        mutual: !!a.chap?.mutualUser,
        mappedLuns: [1],
      })),
      portals: [{ address: '0.0.0.0', port: 3260 }],
    }));
  }
  async describeTarget(iqn: string): Promise<TargetInfo | null> {
    return (await this.listTargets()).find((t) => t.iqn === iqn) ?? null;
  }
  async exportedBackings(): Promise<Set<string>> {
    return new Set([...this.specs.values()].map((s) => s.backing.path));
  }
  async ensureExport(spec: ExportSpec): Promise<void> {
    this.specs.set(spec.iqn, spec);
  }
  async removeExport(iqn: string): Promise<void> {
    this.removed.push(iqn);
    this.specs.delete(iqn);
  }
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-exports-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const params = {
  iqn: 'iqn.2026-11.io.dvsan:u1.vol-a',
  volumeId: 'vol-a',
  portal: { address: '10.99.7.11', port: 3260 },
  acls: [
    {
      initiatorIqn: 'iqn.2026-01.dev.host:h1',
      chap: {
        user: 'dvsan-h1',
        secret: 'Secret1111aaaa',
        mutualUser: 'dvsan-t-h1',
        mutualSecret: 'Mutual1111aaaa',
      },
    },
  ],
};

describe('export.* handlers', () => {
  it("export the volume's backing file and answer with the protocol's ExportInfo", async () => {
    const env = { DVSAN_DATA_DIR: path.join(root, 'data1') };
    const file = backingFileOf(env, 'vol-a');
    expect(file).toBe(path.join(root, 'data1', 'volumes', 'vol-a.img'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '');
    await truncate(file, (1 << 20) + 100);
    const backend = new RecordingBackend();
    const { handlers } = createExports(env, { backend: async () => backend });
    const info = await handlers['export.ensure'](params);
    expect(agentMethods['export.ensure'].result.parse(info)).toEqual(info);
    expect(info).toEqual({
      iqn: params.iqn,
      backing: file,
      sizeBytes: 1 << 20,
      portal: params.portal,
      acls: [{ initiatorIqn: 'iqn.2026-01.dev.host:h1', chapUser: 'dvsan-h1', mutual: true }],
    });
    // Whole sectors only.
    expect(backend.specs.get(params.iqn)?.backing).toEqual({
      kind: 'file',
      path: file,
      sizeBytes: 1 << 20,
    });
    const listed = await handlers['export.list']({});
    expect(agentMethods['export.list'].result.parse(listed)).toEqual(listed);
    expect(listed).toEqual({
      backend: 'tgt',
      exports: [{ ...info, portal: { address: '0.0.0.0', port: 3260 } }],
    });
    expect(await handlers['export.remove']({ iqn: params.iqn })).toEqual({ removed: true });
    expect(await handlers['export.remove']({ iqn: params.iqn })).toEqual({ removed: false });
    expect(backend.removed).toEqual([params.iqn, params.iqn]);
  });

  it('refuse a volume without a backing file (not-found) or with a symlink', async () => {
    const env = { DVSAN_DATA_DIR: path.join(root, 'data2') };
    const backend = new RecordingBackend();
    const { handlers } = createExports(env, { backend: async () => backend });
    await expect(handlers['export.ensure'](params)).rejects.toMatchObject({ code: 'not-found' });
    await mkdir(path.join(root, 'data2', 'volumes'), { recursive: true });
    await symlink('/etc/passwd', backingFileOf(env, 'vol-a'));
    await expect(handlers['export.ensure'](params)).rejects.toMatchObject({
      code: 'invalid-params',
    });
    expect(backend.specs.size).toBe(0);
  });

  it('without a target backend: list says so, ensure and remove name the package', async () => {
    const env = { DVSAN_DATA_DIR: path.join(root, 'data3') };
    await mkdir(path.join(root, 'data3', 'volumes'), { recursive: true });
    await writeFile(backingFileOf(env, 'vol-a'), 'x'.repeat(4096));
    const { handlers, isExported, exported } = createExports(env, { probes: probes().probes });
    expect(await exported()).toBeNull();
    expect(await handlers['export.list']({})).toEqual({ backend: null, exports: [] });
    await expect(handlers['export.ensure'](params)).rejects.toThrow(/Debian package "tgt"/);
    await expect(handlers['export.remove']({ iqn: params.iqn })).rejects.toMatchObject({
      code: 'agent-error',
    });
    expect(await isExported(backingFileOf(env, 'vol-a'))).toBe(false);
  });

  it('tell volume.* which backing paths are exported', async () => {
    const env = { DVSAN_DATA_DIR: path.join(root, 'data4') };
    const file = backingFileOf(env, 'vol-a');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x'.repeat(4096));
    const backend = new RecordingBackend();
    const { handlers, isExported, exported } = createExports(env, {
      backend: async () => backend,
    });
    expect(await isExported(file)).toBe(false);
    await handlers['export.ensure'](params);
    expect(await isExported(file)).toBe(true);
    expect(await exported()).toEqual({ backend: 'tgt', backings: new Set([file]) });
  });

  it("are in the agent's handler map", () => {
    const handlers = createHandlers({}, { selfPath: undefined });
    for (const m of ['export.ensure', 'export.remove', 'export.list'] as const)
      expect(typeof handlers[m]).toBe('function');
  });
});
