import type { Command } from 'commander';
import { DvsanError, type StationClient, type VolumeView } from '../../protocol/index.js';
import { type GlobalOptions, withClient } from './client.js';
import { gib, table } from './format.js';
import { parseSize } from '../../protocol/size.js';

async function volumeByName(c: StationClient, name: string): Promise<VolumeView> {
  const v = (await c.call('volume/list', {})).find((x) => x.name === name);
  if (!v) throw new DvsanError('not-found', `no volume named ${name} (see \`dvsan volume list\`)`);
  return v;
}

async function unitId(c: StationClient, name: string): Promise<string> {
  const n = (await c.call('node/list', {})).find((x) => x.name === name && x.role === 'unit');
  if (!n) throw new DvsanError('not-found', `no SAN unit named ${name}`);
  return n.id;
}

const print = (v: VolumeView, json: boolean) =>
  console.log(
    json
      ? JSON.stringify(v, null, 2)
      : `${v.name}: ${gib(v.sizeBytes)} on ${v.unitName}, target ${v.iqn}, exported to ${v.exports.map((e) => e.initiatorIqn).join(', ') || 'nobody'}`,
  );

export function registerVolumeCommands(program: Command, globals: () => GlobalOptions): void {
  const volume = program.command('volume').description('volumes carved from the pool');
  volume
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const vols = await withClient(globals(), (c) => c.call('volume/list', {}));
      if (o.json) return console.log(JSON.stringify(vols, null, 2));
      if (!vols.length)
        return console.log(
          'No volumes yet. Create one with `dvsan volume create NAME --size 20G`.',
        );
      console.log(
        table([
          ['NAME', 'SIZE', 'UNIT', 'SHARED', 'EXPORTED TO'],
          ...vols.map((v) => [
            v.name,
            gib(v.sizeBytes),
            v.unitName,
            v.shared ? 'yes' : '',
            v.exports.map((e) => e.hostName ?? e.initiatorIqn).join(', '),
          ]),
        ]),
      );
    });
  volume
    .command('create <name>')
    .requiredOption('--size <size>', 'e.g. 20G')
    .option('--unit <unit>', 'put it on this unit (default: the allocator chooses)')
    .option('--spread', 'choose the unit with the fewest volumes instead of the most free space')
    .option('--shared', 'allow exporting to several hosts (cluster filesystems only)')
    .option('--preallocate', 'reserve the whole size now instead of a sparse file')
    .option('--json', 'print JSON')
    .action(async (name: string, o) => {
      const v = await withClient(globals(), async (c) =>
        c.call('volume/create', {
          name,
          sizeBytes: parseSize(o.size),
          ...(o.unit ? { unitId: await unitId(c, o.unit) } : {}),
          placement: o.spread ? 'spread' : 'most-free',
          shared: Boolean(o.shared),
          preallocate: Boolean(o.preallocate),
        }),
      );
      print(v, o.json);
    });
  volume
    .command('resize <name>')
    .requiredOption('--size <size>', 'the new, larger size')
    .action(async (name: string, o) =>
      print(
        await withClient(globals(), async (c) =>
          c.call('volume/resize', {
            id: (await volumeByName(c, name)).id,
            sizeBytes: parseSize(o.size),
          }),
        ),
        false,
      ),
    );
  volume
    .command('delete <name>')
    .option('--force', 'also when exported (hosts lose the volume)')
    .option('--confirm <name>', "with --force: the volume's name again")
    .action(async (name: string, o) => {
      const { deleted } = await withClient(globals(), async (c) =>
        c.call('volume/delete', {
          id: (await volumeByName(c, name)).id,
          force: Boolean(o.force),
          confirm: o.confirm,
        }),
      );
      console.log(deleted ? `deleted ${name}` : `${name} was already gone`);
    });
  volume
    .command('export <name>')
    .requiredOption('--initiator <iqn>', "the host's initiator name")
    .action(async (name: string, o) =>
      print(
        await withClient(globals(), async (c) =>
          c.call('volume/export', {
            id: (await volumeByName(c, name)).id,
            initiatorIqn: o.initiator,
          }),
        ),
        false,
      ),
    );
  volume
    .command('unexport <name>')
    .requiredOption('--initiator <iqn>', "the host's initiator name")
    .action(async (name: string, o) =>
      print(
        await withClient(globals(), async (c) =>
          c.call('volume/unexport', {
            id: (await volumeByName(c, name)).id,
            initiatorIqn: o.initiator,
          }),
        ),
        false,
      ),
    );

  program
    .command('reconcile <unit>')
    .description(
      "compare a unit's real targets with what the station wants (a preview unless --apply)",
    )
    .option('--apply', 'repair drift and remove dvsan-owned leftovers')
    .option('--json', 'print JSON')
    .action(async (name: string, o) => {
      const r = await withClient(globals(), async (c) =>
        c.call('unit/reconcile', { id: await unitId(c, name), apply: Boolean(o.apply) }),
      );
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      const line = (label: string, items: string[]) =>
        console.log(`${label}: ${items.length ? items.join(', ') : 'none'}`);
      line('missing', r.missing);
      line('drifted', r.drifted);
      line(r.applied ? 'leftovers removed' : 'leftovers (run with --apply to remove)', r.leftovers);
    });
}
