// The Ansible side of the deploy benchmark: a throwaway config, inventory and playbook in a
// temp dir (nothing lands in ~/.ansible), one ansible-playbook run at a time, and cleanup of
// the ssh ControlMaster processes Ansible leaves behind (its ControlPersist=60s default).
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export interface AnsibleVariant {
  id: string;
  label: string;
  forks: number;
  pipelining: boolean;
}

/**
 * ssh_args is Ansible's own default, written out so the report can say what it was: every
 * variant reuses one ssh connection per host within a run (ControlMaster) and for 60 s after.
 */
export const ansibleVariants: AnsibleVariant[] = [
  { id: 'forks5', label: 'Ansible defaults (forks 5)', forks: 5, pipelining: false },
  { id: 'forks20', label: 'Ansible forks 20', forks: 20, pipelining: false },
  { id: 'tuned', label: 'Ansible tuned (forks 20, pipelining)', forks: 20, pipelining: true },
];
const sshArgs = '-C -o ControlMaster=auto -o ControlPersist=60s';

export interface AnsibleTarget {
  name: string;
  address: string;
}

export interface AnsibleJob {
  /** Private temp dir for config, inventory, playbook, local/remote tmp and control sockets. */
  dir: string;
  keyPath: string;
  targets: AnsibleTarget[];
  bundlePath: string;
  bundleSha1: string;
  bundleSha256: string;
  /** Folder on the node, the same one dvsan uses: /opt/dvsan/agent/<version>. */
  agentDir: string;
}

export const controlDir = (dir: string) => join(dir, 'cp');

/** The playbook does what dvsan's deploy does: make the dir, copy with a checksum, run verify once. */
function playbook(job: AnsibleJob): string {
  const dest = `${job.agentDir}/dvsan-agent.cjs`;
  // JSON is valid YAML: no hand-quoting of paths.
  const play = [
    {
      name: 'deploy the dvsan agent',
      hosts: 'units',
      gather_facts: false,
      tasks: [
        { name: 'agent dir', file: { path: job.agentDir, state: 'directory', mode: '0700' } },
        {
          name: 'agent bundle',
          copy: { src: job.bundlePath, dest, mode: '0700', checksum: job.bundleSha1 },
        },
        {
          name: 'verify',
          command: { argv: ['node', dest, 'verify'] },
          register: 'verified',
          changed_when: false,
          failed_when: `verified.rc != 0 or (verified.stdout | from_json).sha256 != '${job.bundleSha256}'`,
        },
      ],
    },
  ];
  return JSON.stringify(play, null, 2) + '\n';
}

function inventory(job: AnsibleJob): string {
  return [
    '[units]',
    ...job.targets.map((t) => `${t.name} ansible_host=${t.address}`),
    '',
    '[units:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${job.keyPath}`,
    "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'",
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
}

function config(job: AnsibleJob, v: AnsibleVariant): string {
  return [
    '[defaults]',
    `inventory = ${join(job.dir, 'inventory.ini')}`,
    `forks = ${v.forks}`,
    'host_key_checking = False',
    'gathering = explicit',
    'retry_files_enabled = False',
    'stdout_callback = json',
    `local_tmp = ${join(job.dir, 'local')}`,
    // Lab nodes share the station's /tmp; Ansible makes a unique subdir per task under it.
    `remote_tmp = ${join(job.dir, 'remote')}`,
    '',
    '[ssh_connection]',
    `ssh_args = ${sshArgs}`,
    `control_path_dir = ${controlDir(job.dir)}`,
    `pipelining = ${v.pipelining ? 'True' : 'False'}`,
    '',
  ].join('\n');
}

export async function writeAnsibleFiles(job: AnsibleJob): Promise<void> {
  for (const sub of ['home', 'local', 'remote', 'cp'])
    await mkdir(join(job.dir, sub), { recursive: true, mode: 0o700 });
  await writeFile(join(job.dir, 'inventory.ini'), inventory(job), { mode: 0o600 });
  await writeFile(join(job.dir, 'deploy.yml'), playbook(job), { mode: 0o600 });
}

const statsSchema = z.record(
  z.string(),
  z
    .object({ ok: z.number(), changed: z.number(), failures: z.number(), unreachable: z.number() })
    .passthrough(),
);

export interface PlaybookRun {
  seconds: number;
  /** Per host: tasks ok and changed, as Ansible's recap counts them. */
  stats: z.infer<typeof statsSchema>;
}

/** The pid of the ansible-playbook running now (its own process group), for Ctrl-C. */
export let runningPlaybook: number | null = null;

/** Runs the playbook once with the variant's config; rejects unless every host succeeded. */
export async function runPlaybook(
  job: AnsibleJob,
  v: AnsibleVariant,
  timeoutMs = 10 * 60_000,
): Promise<PlaybookRun> {
  const cfg = join(job.dir, `ansible-${v.id}.cfg`);
  await writeFile(cfg, config(job, v), { mode: 0o600 });
  const env = ansibleEnv(job.dir, cfg);
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{
    code: number;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    const child = spawn('/usr/bin/ansible-playbook', [join(job.dir, 'deploy.yml')], {
      env,
      cwd: job.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runningPlaybook = child.pid ?? null;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      killPlaybook();
      reject(new Error(`ansible-playbook did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      runningPlaybook = null;
      resolve({
        code: c ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  let stats: PlaybookRun['stats'];
  try {
    stats = statsSchema.parse((JSON.parse(stdout) as { stats: unknown }).stats);
  } catch {
    throw new Error(
      `ansible-playbook (${v.id}) exited ${code} without a readable result: ${stderr.trim().slice(-800) || stdout.slice(-800)}`,
    );
  }
  const bad = job.targets.filter(
    (t) =>
      !stats[t.name] ||
      stats[t.name]!.failures > 0 ||
      stats[t.name]!.unreachable > 0 ||
      stats[t.name]!.ok !== 3,
  );
  if (code !== 0 || bad.length > 0) {
    throw new Error(
      `ansible-playbook (${v.id}) exited ${code}; failed on ${bad.map((t) => t.name).join(', ') || 'no host?'}: ${stderr.trim().slice(-800)}`,
    );
  }
  return { seconds, stats };
}

/** A plain environment that keeps everything Ansible writes locally inside `dir`. */
function ansibleEnv(dir: string, cfg: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(dir, 'home'),
    ANSIBLE_HOME: join(dir, 'home', '.ansible'),
    ANSIBLE_CONFIG: cfg,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_LOCAL_TEMP: join(dir, 'local'),
    ANSIBLE_NOCOLOR: '1',
  };
}

export function killPlaybook(): void {
  if (runningPlaybook === null) return;
  try {
    process.kill(-runningPlaybook, 'SIGKILL');
  } catch {
    // already gone
  }
  runningPlaybook = null;
}

/**
 * Ends the ssh ControlMaster processes behind the sockets in the job's control dir (`ssh -O
 * exit` talks to the socket only), then kills any master still holding a path in that dir.
 */
export async function closeControlMasters(dir: string, anyLabAddress: string): Promise<number> {
  const cp = controlDir(dir);
  const sockets = await readdir(cp).catch(() => [] as string[]);
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          const child = spawn(
            'ssh',
            ['-F', '/dev/null', '-o', `ControlPath=${join(cp, s)}`, '-O', 'exit', anyLabAddress],
            { stdio: 'ignore' },
          );
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.on('error', () => resolve());
          child.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  // Masters that ignored the exit request (bounded: one pass over /proc).
  let killed = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // A master renames itself "ssh: <control path> [mux]".
    if (cmdline.startsWith('ssh') && cmdline.includes(cp + '/')) {
      try {
        process.kill(Number(entry), 'SIGTERM');
        killed++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return sockets.length + killed;
}

/** ansible-core's version, asked with the job's environment (after writeAnsibleFiles). */
export async function ansibleVersion(dir: string): Promise<string> {
  return new Promise((resolve) => {
    const env = ansibleEnv(dir, join(dir, 'none.cfg'));
    const child = spawn('/usr/bin/ansible-playbook', ['--version'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => resolve('unknown'));
    child.on('close', () =>
      resolve(/core ([\d.]+)/.exec(Buffer.concat(out).toString())?.[1] ?? 'unknown'),
    );
  });
}
