// `dvsan lab up|status|down`. The main CLI calls registerLabCommands(program).
import { InvalidArgumentError, type Command } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import { labDown } from './down.js';
import { formatDown, formatStatus, formatUp } from './format.js';
import { defaultPrefix, defaultSubnet } from './plan.js';
import { labStatus } from './status.js';
import { labUp } from './up.js';

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('give a whole number, e.g. 3.');
  return Number(value);
}

/** Runs an action; errors become one line on stderr and exit code 1, never a stack trace. */
function guarded<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const message = e instanceof DvsanError || e instanceof Error ? e.message : String(e);
      process.stderr.write(`dvsan lab: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description(
      'a local SAN to try dvsan on: units and hosts as network namespaces with their own sshd (needs root)',
    );

  lab
    .command('up')
    .description('create a lab and print how to add its nodes')
    .option('--units <n>', 'SAN units (0-60)', count, 0)
    .option('--hosts <n>', 'hosts (0-60)', count, 0)
    .option('--vm-units <n>', 'SAN units as qemu guests with LIO and LVM (0-20)', count, 0)
    .option('--vm-hosts <n>', 'hosts as qemu guests with open-iscsi and md (0-20)', count, 0)
    .option('--prefix <prefix>', 'name prefix of everything the lab makes', defaultPrefix)
    .option(
      '--subnet <a.b.c>',
      'first three octets of the lab /24, inside 10.99.0.0/16',
      defaultSubnet,
    )
    .option('--dir <dir>', 'state directory (default /var/lib/dvsan-lab/<prefix>)')
    .option('--without-node <names...>', 'nodes whose node executable is hidden')
    .action(
      guarded(
        async (o: {
          units: number;
          hosts: number;
          vmUnits: number;
          vmHosts: number;
          prefix: string;
          subnet: string;
          dir?: string;
          withoutNode?: string[];
        }) => {
          const started = Date.now();
          const state = await labUp({
            units: o.units,
            hosts: o.hosts,
            vmUnits: o.vmUnits,
            vmHosts: o.vmHosts,
            prefix: o.prefix,
            subnet: o.subnet,
            dir: o.dir,
            withoutNode: o.withoutNode,
          });
          process.stdout.write(formatUp(state, Date.now() - started));
        },
      ),
    );

  lab
    .command('status')
    .description('show whether each lab node is up')
    .option('--prefix <prefix>', 'lab prefix', defaultPrefix)
    .option('--dir <dir>', 'state directory (default /var/lib/dvsan-lab/<prefix>)')
    .option('--json', 'print JSON')
    .action(
      guarded(async (o: { prefix: string; dir?: string; json?: boolean }) => {
        const status = await labStatus({ prefix: o.prefix, dir: o.dir });
        process.stdout.write(
          o.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status),
        );
        if (status.exists && !status.allUp) process.exitCode = 1;
      }),
    );

  lab
    .command('down')
    .description('remove everything the lab made (also after a crash)')
    .option('--prefix <prefix>', 'lab prefix', defaultPrefix)
    .option('--dir <dir>', 'state directory (default /var/lib/dvsan-lab/<prefix>)')
    .action(
      guarded(async (o: { prefix: string; dir?: string }) => {
        process.stdout.write(formatDown(await labDown({ prefix: o.prefix, dir: o.dir })));
      }),
    );
}
