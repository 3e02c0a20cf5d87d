// `dvsan lab up`: builds the switch, every node's namespace and sshd, and writes lab.json.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/index.js';
import { downLab } from './down.js';
import {
  assertSubnetFree,
  createNodeNet,
  createSwitch,
  listNetns,
  listRootLinks,
} from './netns.js';
import {
  assertRoot,
  isLabName,
  planLab,
  type LabPlan,
  type LabUpOptions,
  type PlannedNode,
} from './plan.js';
import { renderHosts, renderPasswd, renderShadow, shadowDay } from './render.js';
import { checkTools, must, pool } from './run.js';
import {
  generateHostKey,
  hostKeyFingerprint,
  nodeInitScript,
  prepareNode,
  startNode,
  waitForSshd,
  type NodeFiles,
  type NodeSpec,
} from './sshd.js';
import { markerFile, statePath, writeLabState, type LabNode, type LabState } from './state.js';
import { prepareTgtConfig, readTgtdPid, waitForTgtd } from './tgtd.js';
import { hostKeyPath } from './render.js';
import { consoleLogPath, type VmAccel, type VmImage } from './vm-args.js';
import {
  assertQemu,
  chooseAccel,
  defaultImageCache,
  ensureImage,
  startVm,
  vmBootLimitMs,
  waitForVm,
} from './vm.js';

/** Injectable facts about the caller, so the root check is testable without root. */
export interface LabContext {
  uid?: number;
  /** Where VM images are built and kept (default /var/lib/dvsan-lab/vm-images). */
  imageCache?: string;
  /** How long a guest may take to answer SSH (default 180 s). */
  vmBootLimitMs?: number;
}

/** Nodes set up at once: enough to hide process start-up latency, few enough for 2 cores. */
const parallelNodes = 8;
const sshdStartLimitMs = 30_000;
export const unitDataDir = '/var/lib/dvsan/data';

/** sshd's StrictModes ignores keys under a directory others can write to, so check up front. */
async function assertSafeDirChain(dir: string): Promise<void> {
  for (let p = dir; ; p = path.dirname(p)) {
    const st = await stat(p).catch(() => null);
    if (st && (st.uid !== 0 || (st.mode & 0o022) !== 0)) {
      throw new DvsanError(
        'invalid-params',
        `Lab directory ${dir} is below ${p}, which is not root-owned or is writable by others; sshd would refuse the lab key there. Use a --dir under /var/lib (the default) or /srv.`,
      );
    }
    if (p === '/') return;
  }
}

/** `lab down` removes the lab dir recursively, so never adopt a directory that already holds files. */
async function assertEmptyOrNew(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0) {
    throw new DvsanError(
      'invalid-params',
      `Lab directory ${dir} already exists and is not empty. Give a new or empty --dir; the lab removes its directory on \`dvsan lab down\`.`,
    );
  }
}

async function assertNoLab(plan: LabPlan): Promise<void> {
  const namespaces = (await listNetns()).filter((n) => isLabName(plan.prefix, n));
  const links = (await listRootLinks()).filter((n) => isLabName(plan.prefix, n));
  const leftovers = [...namespaces, ...links];
  if (
    existsSync(statePath(plan.dir)) ||
    leftovers.length > 0 ||
    existsSync(path.join(plan.dir, markerFile))
  ) {
    const what = existsSync(statePath(plan.dir))
      ? `its state is in ${statePath(plan.dir)}`
      : `leftovers: ${leftovers.join(', ') || plan.dir}`;
    throw new DvsanError(
      'lab-failed',
      `A lab with prefix ${plan.prefix} already exists (${what}). Bring it down first with \`dvsan lab down --prefix ${plan.prefix}\`, or use another --prefix and --subnet.`,
      { prefix: plan.prefix },
    );
  }
}

async function makeLabKey(dir: string): Promise<string> {
  const key = path.join(dir, 'id_ed25519');
  await must('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    `dvsan-lab-${path.basename(dir)}`,
    '-f',
    key,
  ]);
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(`${key}.pub`, 'utf8'), {
    mode: 0o600,
  });
  return key;
}

/** A random root password for every node; returns the crypt hash for their shadow files. */
async function makeLabPassword(dir: string): Promise<{ passwordPath: string; hash: string }> {
  const password = randomBytes(18).toString('base64url');
  const passwordPath = path.join(dir, 'password');
  await writeFile(passwordPath, password + '\n', { mode: 0o600 });
  // On stdin, never argv: argv is visible to every user in ps.
  const hash = (
    await must('openssl', ['passwd', '-6', '-stdin'], { input: password + '\n' })
  ).trim();
  return { passwordPath, hash };
}

async function renderNodeFiles(plan: LabPlan, hash: string): Promise<NodeFiles> {
  const [passwd, shadow, hosts] = await Promise.all(
    ['/etc/passwd', '/etc/shadow', '/etc/hosts'].map((f) => readFile(f, 'utf8')),
  );
  return {
    passwd: renderPasswd(passwd ?? ''),
    shadow: renderShadow(shadow ?? '', hash, shadowDay(new Date())),
    hosts: renderHosts(hosts ?? '', [
      { name: `${plan.prefix}-station`, address: plan.stationAddress },
      ...plan.nodes,
    ]),
  };
}

function spec(plan: LabPlan, node: PlannedNode): NodeSpec {
  return {
    name: node.name,
    role: node.role,
    address: node.address,
    withoutNode: plan.withoutNode.includes(node.name),
    // Each unit's tgtd gets the unit's index as its control port.
    ...(node.role === 'unit' ? { tgtdPort: node.index } : {}),
  };
}

/**
 * Brings a lab up and returns its state (also written to <dir>/lab.json). Refuses if a lab with
 * the same prefix exists; on any failure removes everything it made before rethrowing.
 */
export async function labUp(opts: LabUpOptions, ctx: LabContext = {}): Promise<LabState> {
  const plan = planLab(opts);
  assertRoot(ctx.uid ?? process.getuid?.());
  await checkTools();
  await assertNoLab(plan);
  await assertSubnetFree(plan.subnet);
  const vms = plan.nodes.filter((n) => n.vm);
  let vmImage: { image: VmImage; accel: VmAccel } | null = null;
  if (vms.length > 0) {
    await assertQemu();
    const image = await ensureImage(
      ctx.imageCache ?? process.env.DVSAN_VM_CACHE ?? defaultImageCache,
    );
    vmImage = { image, accel: await chooseAccel(image) };
  }
  const initScript = nodeInitScript();
  await assertSafeDirChain(plan.dir);
  await assertEmptyOrNew(plan.dir);
  await mkdir(plan.dir, { recursive: true, mode: 0o755 });
  await chmod(plan.dir, 0o755);
  await writeFile(path.join(plan.dir, markerFile), `${plan.prefix}\n`, { mode: 0o644 });
  try {
    const keyPath = await makeLabKey(plan.dir);
    const { passwordPath, hash } = await makeLabPassword(plan.dir);
    const files = await renderNodeFiles(plan, hash);
    await createSwitch(plan);
    const startedVms = await pool(vms, parallelNodes, async (node) => {
      const dir = path.join(plan.dir, node.name);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await generateHostKey(dir, node.name);
      const files = {
        dir,
        hostKey: hostKeyPath(dir),
        authorizedKeys: path.join(plan.dir, 'authorized_keys'),
      };
      const { image, accel } = vmImage!;
      const pid = await startVm(plan, node, image, accel, files);
      return { node, dir, pid, accel, fingerprint: await hostKeyFingerprint(plan.dir, node.name) };
    });
    const started = await pool(
      plan.nodes.filter((n) => !n.vm),
      parallelNodes,
      async (node) => {
        const s = spec(plan, node);
        await createNodeNet(plan, node);
        await prepareNode(plan.dir, s, files);
        if (s.tgtdPort !== undefined)
          await prepareTgtConfig(path.join(plan.dir, node.name), s.tgtdPort);
        const [pid, fingerprint] = await Promise.all([
          startNode(plan.dir, s, initScript),
          hostKeyFingerprint(plan.dir, node.name),
        ]);
        return { s, pid, fingerprint };
      },
    );
    const vmLimit = ctx.vmBootLimitMs ?? vmBootLimitMs;
    const vmDeadline = Date.now() + vmLimit;
    const deadline = Date.now() + sshdStartLimitMs;
    await Promise.all(started.map(({ s, pid }) => waitForSshd(plan.dir, s, pid, deadline)));
    // node-init.sh starts a unit's tgtd before it becomes sshd, so its pid is recorded by now.
    const tgtdPids = await Promise.all(
      started.map(async ({ s }) => {
        if (s.tgtdPort === undefined) return undefined;
        const tgtdPid = await readTgtdPid(plan.dir, s.name);
        await waitForTgtd(plan.dir, s.name, tgtdPid, s.tgtdPort, deadline);
        return tgtdPid;
      }),
    );
    const nodes: LabNode[] = started.map(({ s, pid, fingerprint }, i) => ({
      name: s.name,
      role: s.role,
      address: s.address,
      port: 22,
      user: 'root',
      sshdPid: pid,
      hostKeyFingerprint: fingerprint,
      ...(s.role === 'unit' ? { dataDir: unitDataDir } : {}),
      ...(s.tgtdPort !== undefined ? { tgtdPid: tgtdPids[i], tgtdPort: s.tgtdPort } : {}),
      ...(s.withoutNode ? { withoutNode: true } : {}),
    }));
    await Promise.all(startedVms.map((v) => waitForVm(v.node, v.dir, v.pid, vmDeadline, vmLimit)));
    for (const v of startedVms) {
      nodes.push({
        name: v.node.name,
        role: v.node.role,
        address: v.node.address,
        port: 22,
        user: 'root',
        sshdPid: v.pid,
        hostKeyFingerprint: v.fingerprint,
        vm: { accel: v.accel, consoleLog: consoleLogPath(v.dir) },
      });
    }
    const state: LabState = {
      prefix: plan.prefix,
      subnet: plan.subnet,
      dir: plan.dir,
      createdAt: new Date().toISOString(),
      stationAddress: plan.stationAddress,
      keyPath,
      passwordPath,
      nodes,
    };
    await writeLabState(state);
    return state;
  } catch (e) {
    await downLab(plan.prefix, plan.dir).catch(() => undefined);
    throw e;
  }
}
