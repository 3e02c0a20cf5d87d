import type { Command } from 'commander';
import {
  DvsanError,
  filesystemTypes,
  hostRequestStates,
  type Filesystem,
  type HostRequestState,
  type HostView,
  type StationClient,
  type Task,
} from '../../protocol/index.js';
import { parseSize } from '../../protocol/size.js';
import { type GlobalOptions, waitForTask, withClient } from './client.js';
import { gib, table } from './format.js';

async function hostByName(c: StationClient, name: string): Promise<HostView> {
  const h = (await c.call('host/list', {})).find((x) => x.node.name === name);
  if (!h) throw new DvsanError('not-found', `no host named ${name} (see \`dvsan host list\`)`);
  return h;
}

async function idByName(c: StationClient, kind: 'volume' | 'unit', name: string): Promise<string> {
  const found =
    kind === 'volume'
      ? (await c.call('volume/list', {})).find((v) => v.name === name)
      : (await c.call('node/list', {})).find((n) => n.name === name && n.role === 'unit');
  if (!found) throw new DvsanError('not-found', `no ${kind} named ${name}`);
  return found.id;
}

function filesystem(value: string | undefined): Filesystem | undefined {
  if (value === undefined) return undefined;
  if (!(filesystemTypes as readonly string[]).includes(value))
    throw new DvsanError('invalid-params', `--fs ${value}: use ${filesystemTypes.join(' or ')}`);
  return value as Filesystem;
}

/** Starts a task, then (unless --no-wait) prints its steps as they move and exits 1 if it fails. */
async function runTask(
  g: GlobalOptions,
  o: { wait: boolean; json?: boolean },
  what: string,
  start: (c: StationClient) => Promise<{ taskId: string }>,
): Promise<void> {
  const task = await withClient(g, async (c) => {
    const { taskId } = await start(c);
    if (!o.wait) return null;
    const shown = new Map<string, string>();
    return waitForTask(c, taskId, (t) => {
      if (o.json) return;
      for (const s of t.steps) {
        const line = `${s.name.padEnd(16)} ${s.state.padEnd(10)} ${s.message ?? ''}`;
        if (shown.get(s.name) !== line) console.log(line);
        shown.set(s.name, line);
      }
    }).then((t) => ({ taskId, t }));
  });
  if (!task) return;
  const t: Task = task.t;
  if (o.json) console.log(JSON.stringify(t, null, 2));
  else {
    for (const l of t.log.filter((x) => x.level !== 'info'))
      console.log(`${l.level}: ${l.message}`);
    console.log(
      t.state === 'succeeded' ? `${what} done` : `${what} ${t.state}: ${t.error?.message ?? ''}`,
    );
  }
  if (t.state !== 'succeeded') process.exitCode = 1;
}

export function registerHostCommands(program: Command, globals: () => GlobalOptions): void {
  const host = program.command('host').description('hosts and the volumes attached to them');
  host
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const hosts = await withClient(globals(), (c) => c.call('host/list', {}));
      if (o.json) return console.log(JSON.stringify(hosts, null, 2));
      if (!hosts.length)
        return console.log('No hosts yet. Add one with `dvsan node add NAME ADDRESS --role host`.');
      console.log(
        table([
          ['HOST', 'HEALTH', 'VOLUME', 'UNIT', 'SIZE', 'DEVICE', 'MOUNT', 'STATE'],
          ...hosts.flatMap((h) =>
            h.attachments.length
              ? h.attachments.map((a) => [
                  h.node.name,
                  h.node.health,
                  a.volumeName,
                  a.unitName,
                  gib(a.sizeBytes),
                  a.device ?? '',
                  `${a.mountPoint ?? ''}${a.readOnly ? ' (ro)' : ''}`,
                  a.state,
                ])
              : [[h.node.name, h.node.health, '-', '', '', '', '', '']],
          ),
        ]),
      );
      const mirrors = hosts.flatMap((h) => (h.mirrors ?? []).map((m) => ({ h, m })));
      if (!mirrors.length) return;
      console.log('');
      console.log(
        table([
          ['MIRROR', 'HOST', 'STATE', 'SIZE', 'DEVICE', 'MOUNT', 'LEGS'],
          ...mirrors.map(({ h, m }) => [
            m.name,
            h.node.name,
            m.state,
            gib(m.sizeBytes),
            m.device ?? '',
            m.mountPoint ?? '',
            m.legs
              .map((l) => `${l.volumeName}@${l.unitName}${l.missing ? ' (missing)' : ''}`)
              .join(', '),
          ]),
        ]),
      );
    });
  const attachOptions = (c: Command) =>
    c
      .option('--fs <type>', `format when empty and mount: ${filesystemTypes.join(' or ')}`)
      .option('--mount <path>', 'mount it here (needs --fs)')
      .option('--read-only', 'attach read-only')
      .option('--no-wait', 'start the task and return its id')
      .option('--json', 'print the finished task as JSON');
  attachOptions(
    host
      .command('attach <volume> <host>')
      .description('export a volume to a host and log in there'),
  ).action(async (volume: string, hostName: string, o) =>
    runTask(globals(), o, 'attach', async (c) =>
      c.call('host/attach', {
        volumeId: await idByName(c, 'volume', volume),
        hostId: (await hostByName(c, hostName)).node.id,
        readOnly: Boolean(o.readOnly),
        ...(o.fs ? { filesystem: filesystem(o.fs) } : {}),
        ...(o.mount ? { mountPoint: o.mount } : {}),
      }),
    ),
  );
  attachOptions(
    host
      .command('assign <host>')
      .description('make a new volume and attach it to a host, as one task')
      .requiredOption('--size <size>', 'e.g. 20G')
      .option('--name <name>', 'the volume name (default: <host>-<random>)')
      .option('--unit <unit>', 'put it on this unit (default: the allocator chooses)')
      .option('--mirrored', 'two volumes on two different units, mirrored by md RAID1 on the host'),
  ).action(async (hostName: string, o) =>
    runTask(globals(), o, 'assign', async (c) =>
      c.call('host/assign', {
        hostId: (await hostByName(c, hostName)).node.id,
        sizeBytes: parseSize(o.size),
        ...(o.name ? { name: o.name } : {}),
        ...(o.unit ? { unitId: await idByName(c, 'unit', o.unit) } : {}),
        mirrored: Boolean(o.mirrored),
        readOnly: Boolean(o.readOnly),
        ...(o.fs ? { filesystem: filesystem(o.fs) } : {}),
        ...(o.mount ? { mountPoint: o.mount } : {}),
      }),
    ),
  );
  host
    .command('detach <volume> <host>')
    .description('unmount, log out and unexport')
    .option('--force', 'also when the host or the unit is dead (unsent writes are lost)')
    .option('--no-wait', 'start the task and return its id')
    .option('--json', 'print the finished task as JSON')
    .action(async (volume: string, hostName: string, o) =>
      runTask(globals(), o, 'detach', async (c) => {
        const h = await hostByName(c, hostName);
        const a = h.attachments.find((x) => x.volumeName === volume);
        if (!a) throw new DvsanError('not-found', `${volume} is not attached to ${hostName}`);
        return c.call('host/detach', { attachmentId: a.id, force: Boolean(o.force) });
      }),
    );

  const request = program
    .command('request')
    .description('volumes hosts asked for (dvsan-agent request)');
  request
    .command('list')
    .option('--state <state>', `only ${hostRequestStates.join(', ')}`)
    .option('--json', 'print JSON')
    .action(async (o) => {
      if (o.state && !(hostRequestStates as readonly string[]).includes(o.state))
        throw new DvsanError('invalid-params', `--state: use ${hostRequestStates.join(', ')}`);
      const list = await withClient(globals(), (c) =>
        c.call('request/list', o.state ? { state: o.state as HostRequestState } : {}),
      );
      if (o.json) return console.log(JSON.stringify(list, null, 2));
      if (!list.length) return console.log('No requests. Hosts ask with `dvsan-agent request`.');
      console.log(
        table([
          ['ID', 'HOST', 'SIZE', 'MOUNT', 'STATE', 'BY', 'REASON'],
          ...list.map((r) => [
            r.id.slice(0, 8),
            r.hostName,
            gib(r.sizeBytes),
            r.mountPoint ?? '',
            r.state,
            r.decidedBy ?? '',
            r.reason ?? '',
          ]),
        ]),
      );
    });
  const decide = async (id: string, verb: 'approve' | 'deny', reason?: string) =>
    withClient(globals(), async (c) => {
      const matches = (await c.call('request/list', {})).filter((r) => r.id.startsWith(id));
      if (matches.length !== 1)
        throw new DvsanError(
          matches.length ? 'invalid-params' : 'not-found',
          matches.length ? `${id} matches ${matches.length} requests` : `no request ${id}`,
        );
      const target = matches[0]!.id;
      const r =
        verb === 'approve'
          ? await c.call('request/approve', { id: target })
          : await c.call('request/deny', { id: target, ...(reason ? { reason } : {}) });
      console.log(
        `request ${r.id.slice(0, 8)} ${r.state}${r.taskId ? ` (task ${r.taskId.slice(0, 8)})` : ''}`,
      );
    });
  request.command('approve <id>').action((id: string) => decide(id, 'approve'));
  request
    .command('deny <id>')
    .option('--reason <text>', 'told to the host')
    .action((id: string, o) => decide(id, 'deny', o.reason));
}
