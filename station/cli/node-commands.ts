import type { Command } from 'commander';
import {
  DvsanError,
  type NodeAuth,
  type NodeView,
  type StationClient,
} from '../../protocol/index.js';
import { type GlobalOptions, waitForTask, withClient } from './client.js';
import { inventoryText, nodesTable } from './format.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function byName(client: StationClient, names: string[]): Promise<NodeView[]> {
  const all = await client.call('node/list', {});
  return names.map((name) => {
    const node = all.find((n) => n.name === name);
    if (!node) throw new DvsanError('not-found', `no node named ${name} (see \`dvsan node list\`)`);
    return node;
  });
}

export function registerNodeCommands(program: Command, globals: () => GlobalOptions): void {
  const node = program.command('node').description('SAN units and hosts');

  node
    .command('add')
    .description('add a SAN unit or host reachable over SSH')
    .requiredOption('--name <name>', 'a short name: lowercase letters, digits, dashes')
    .requiredOption('--address <address>', 'IP address or host name')
    .option('--role <role>', 'unit (has disks) or host (uses volumes)', 'unit')
    .option('--port <port>', 'SSH port', '22')
    .option('--user <user>', 'SSH user', 'root')
    .option('--key <file>', 'private key file on this machine')
    .option('--agent', 'authenticate with the keys in ssh-agent')
    .option('--password-stdin', 'read the SSH password from standard input')
    .option('--save-password', 'keep the password (encrypted) across station restarts')
    .option(
      '--accept-fingerprint [fingerprint]',
      'trust the host key: the one shown, or only this SHA256 fingerprint',
    )
    .option('--json', 'print JSON')
    .action(async (o) => {
      const kinds = [
        o.key ? 'key' : null,
        o.agent ? 'agent' : null,
        o.passwordStdin ? 'password' : null,
      ].filter(Boolean);
      if (kinds.length !== 1)
        throw new DvsanError(
          'invalid-params',
          'choose exactly one of --key FILE, --agent or --password-stdin',
        );
      const auth: NodeAuth = o.key
        ? { kind: 'key', keyPath: o.key }
        : o.agent
          ? { kind: 'agent' }
          : { kind: 'password', password: await readStdin(), save: Boolean(o.savePassword) };
      const port = Number(o.port);
      const added = await withClient(globals(), (c) =>
        c.call('node/add', {
          name: o.name,
          role: o.role,
          address: o.address,
          port,
          user: o.user,
          auth,
          acceptFingerprint: o.acceptFingerprint,
        }),
      );
      if (o.json) return console.log(JSON.stringify(added, null, 2));
      console.log(`added ${added.name} (${added.role}) at ${added.address}:${added.port}`);
      if (added.hostKey.state === 'pending') {
        console.log(`host key ${added.hostKey.fingerprint} is not confirmed yet.`);
        console.log(
          `Compare it on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then: dvsan node trust ${added.name} ${added.hostKey.fingerprint}`,
        );
      } else console.log(`host key ${added.hostKey.fingerprint} trusted`);
    });

  node
    .command('list')
    .description('list nodes')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const nodes = await withClient(globals(), (c) => c.call('node/list', {}));
      console.log(o.json ? JSON.stringify(nodes, null, 2) : nodesTable(nodes));
    });

  node
    .command('trust <name> <fingerprint>')
    .description("confirm a node's SSH host key")
    .action(async (name: string, fingerprint: string) => {
      const n = await withClient(globals(), async (c) => {
        const [found] = await byName(c, [name]);
        return c.call('node/trustHostKey', { id: (found as NodeView).id, fingerprint });
      });
      console.log(`${n.name}: host key ${n.hostKey.fingerprint} trusted`);
    });

  node
    .command('deploy [names...]')
    .description('push the agent to nodes (all nodes with --all)')
    .option('--all', 'every node')
    .option('--json', 'print the finished task as JSON')
    .action(async (names: string[], o) => {
      const task = await withClient(globals(), async (c) => {
        let targets = o.all ? await c.call('node/list', {}) : await byName(c, names);
        if (o.all) {
          for (const n of targets.filter((t) => t.hostKey.state !== 'trusted')) {
            console.log(
              `skipping ${n.name}: its host key is not confirmed (dvsan node trust ${n.name} ${n.hostKey.fingerprint})`,
            );
          }
          targets = targets.filter((t) => t.hostKey.state === 'trusted');
        }
        if (!targets.length)
          throw new DvsanError('invalid-params', 'name the nodes to deploy, or use --all');
        const { taskId } = await c.call('node/deploy', { ids: targets.map((t) => t.id) });
        const shown = new Map<string, string>();
        return waitForTask(c, taskId, (t) => {
          if (o.json) return;
          for (const s of t.steps) {
            const line = `${s.name.padEnd(16)} ${String(Math.round(s.progress)).padStart(3)}%  ${s.message ?? s.state}`;
            if (shown.get(s.name) !== line) console.log(line);
            shown.set(s.name, line);
          }
        });
      });
      if (o.json) console.log(JSON.stringify(task, null, 2));
      else
        console.log(
          task.state === 'succeeded'
            ? 'deploy finished'
            : `deploy ${task.state}: ${task.error?.message ?? ''}`,
        );
      if (task.state !== 'succeeded') process.exitCode = 1;
    });

  node
    .command('inventory <name>')
    .description("show a node's inventory")
    .option('--refresh', 'ask the node now instead of showing the last answer')
    .option('--json', 'print JSON')
    .action(async (name: string, o) => {
      const inv = await withClient(globals(), async (c) => {
        const [found] = await byName(c, [name]);
        return c.call('node/inventory', {
          id: (found as NodeView).id,
          refresh: Boolean(o.refresh),
        });
      });
      console.log(o.json ? JSON.stringify(inv, null, 2) : inventoryText(inv));
    });

  node
    .command('remove <name>')
    .description('forget a node (nothing on the node is changed)')
    .action(async (name: string) => {
      await withClient(globals(), async (c) => {
        const [found] = await byName(c, [name]);
        await c.call('node/remove', { id: (found as NodeView).id });
      });
      console.log(`removed ${name}`);
    });

  node
    .command('sudoers')
    .description('print the sudoers rule that lets a non-root SSH user run only the agent')
    .requiredOption('--user <user>', 'the SSH user on the node')
    .action(async (o) => {
      const { rule } = await withClient(globals(), (c) =>
        c.call('node/sudoersRule', { user: o.user }),
      );
      console.log(
        `# /etc/sudoers.d/dvsan (mode 0440); also create /opt/dvsan owned by ${o.user}\n${rule}`,
      );
    });
}
