import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../../../../agents/log.js';
import {
  FlockLock,
  LioBackend,
  probeBacking,
  type ExportSpec,
  type LioBackendOptions,
  type ProbeBacking,
} from '../../../../agents/targets/index.js';
import { FakeKernel } from './fake-configfs.js';

export const MiB = 1024 ** 2;
export const unit1 = 'iqn.2026-11.io.dvsan:unit1.vol1';
export const host1 = 'iqn.1993-08.org.debian:01:host1';
export const host2 = 'iqn.1993-08.org.debian:01:host2';
export const chap1 = {
  user: 'dvsan-host1',
  secret: 'S3cretHost1pw',
  mutualUser: 'dvsan-target',
  mutualSecret: 'MutualTgt1pw',
};
export const chap2 = { user: 'dvsan-host2', secret: 'S3cretHost2pw' };

/** Everything one test needs: a fake configfs, a data dir with backing files, a backend. */
export interface Lab {
  kernel: FakeKernel;
  dataDir: string;
  devDir: string;
  saveFile: string;
  logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
  backend: LioBackend;
  /** A new backend on the same tree with some options replaced. */
  with(options: Partial<LioBackendOptions>): LioBackend;
  /** A sparse backing file of `bytes` under the data dir. */
  file(name: string, bytes: number): Promise<string>;
  spec(overrides?: Partial<ExportSpec>): ExportSpec;
  saved(): Promise<unknown>;
}

/** Block devices do not exist here: files under devDir named *.blk stand in for them. */
const fakeBlockProbe: ProbeBacking = async (file) => {
  const found = await probeBacking(file);
  if (found && found.type === 'file' && found.realPath.endsWith('.blk'))
    return { ...found, type: 'block' };
  return found;
};

export async function makeLab(): Promise<Lab> {
  const kernel = await FakeKernel.boot();
  const dataDir = path.join(kernel.base, 'data', 'volumes');
  const devDir = path.join(kernel.base, 'dev');
  await mkdir(dataDir, { recursive: true });
  await mkdir(devDir, { recursive: true });
  const saveFile = path.join(kernel.base, 'etc', 'rtslib-fb-target', 'saveconfig.json');
  const logs: Lab['logs'] = [];
  const log: Log = (level, msg, fields) => logs.push({ level, msg, fields });
  const base: LioBackendOptions = {
    backing: { fileDirs: [dataDir], blockDirs: [devDir] },
    configfsRoot: kernel.root,
    fs: kernel,
    lock: new FlockLock({ path: path.join(kernel.base, 'targetcli.lock'), timeoutMs: 5000 }),
    saveConfigPath: saveFile,
    probe: fakeBlockProbe,
    blockBytes: async () => 64 * MiB,
    log,
  };
  const lab: Lab = {
    kernel,
    dataDir,
    devDir,
    saveFile,
    logs,
    backend: new LioBackend(base),
    with: (options) => new LioBackend({ ...base, ...options }),
    async file(name, bytes) {
      const file = path.join(name.endsWith('.blk') ? devDir : dataDir, name);
      await writeFile(file, '');
      await truncate(file, bytes);
      return file;
    },
    spec: (overrides = {}) => ({
      iqn: unit1,
      backing: { kind: 'file', path: path.join(dataDir, 'vol1.img'), sizeBytes: 16 * MiB },
      portal: { address: '10.99.0.11', port: 3260 },
      acls: [{ initiatorIqn: host1, chap: chap1 }],
      ...overrides,
    }),
    saved: async () => JSON.parse(await readFile(saveFile, 'utf8')),
  };
  await lab.file('vol1.img', 16 * MiB);
  return lab;
}
