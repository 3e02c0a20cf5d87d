import { access, readdir } from 'node:fs/promises';
import { findTool } from '../inventory/tools.js';
import type { InitiatorBackend } from './backend.js';
import type { Run } from './command.js';
import { OpenIscsiInitiator } from './openiscsi.js';
import { UserspaceInitiator } from './userspace.js';

/** What decides the backend; injected in tests. */
export interface InitiatorProbes {
  tool(name: string): Promise<string | null>;
  /** The kernel can load or has loaded iscsi_tcp. */
  kernelIscsi(): Promise<boolean>;
  /** /dev/fuse is there and qemu has its iSCSI block module. */
  userspaceIscsi(): Promise<boolean>;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** qemu's iSCSI driver is a loadable module (Debian: qemu-block-extra). */
async function qemuHasIscsi(): Promise<boolean> {
  const dirs = ['/usr/lib/qemu'];
  for (const entry of await readdir('/usr/lib').catch(() => [] as string[]))
    dirs.push(`/usr/lib/${entry}/qemu`);
  for (const dir of dirs) if (await exists(`${dir}/block-iscsi.so`)) return true;
  return false;
}

export function systemInitiatorProbes(env: NodeJS.ProcessEnv, run: Run): InitiatorProbes {
  return {
    tool: (name) => findTool(name, env.PATH),
    kernelIscsi: async () =>
      (await exists('/sys/module/iscsi_tcp')) ||
      (await run('modprobe', ['-n', '-q', 'iscsi_tcp'], { timeoutMs: 10_000 })).code === 0,
    userspaceIscsi: async () => (await exists('/dev/fuse')) && (await qemuHasIscsi()),
  };
}

export interface BackendChoice {
  backend: InitiatorBackend | null;
  /** Why there is none, in words (what to install). */
  missing: string | null;
}

/**
 * open-iscsi where the kernel has iscsi_tcp and iscsiadm is installed; otherwise the
 * userspace path where qemu-storage-daemon, its iSCSI module and FUSE are there.
 */
export async function chooseInitiator(
  probes: InitiatorProbes,
  options: { run: Run; runDir: string },
): Promise<BackendChoice> {
  if ((await probes.tool('iscsiadm')) && (await probes.kernelIscsi()))
    return { backend: new OpenIscsiInitiator({ run: options.run }), missing: null };
  const qsd = await probes.tool('qemu-storage-daemon');
  if (qsd && (await probes.userspaceIscsi()))
    return {
      backend: new UserspaceInitiator({ run: options.run, runDir: options.runDir, qsdPath: qsd }),
      missing: null,
    };
  return {
    backend: null,
    missing:
      'no iSCSI initiator on this host: install open-iscsi (kernels with iscsi_tcp), or ' +
      'qemu-system-common and qemu-block-extra (qemu-storage-daemon) with fuse3',
  };
}
