import type { Command } from 'commander';
import type { UserRole } from '../../protocol/index.js';
import { newPasswordEnv, readPassword } from '../auth/prompt.js';
import { type GlobalOptions, withClient } from './client.js';
import { table } from './format.js';

/** `dvsan user …`: the station's accounts (admin only; anyone may change their own password). */
export function registerUserCommands(program: Command, globals: () => GlobalOptions): void {
  const user = program.command('user').description('user accounts: admin, operator, viewer');

  user
    .command('list')
    .description('users and their roles')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const users = await withClient(globals(), (c) => c.call('user/list', {}));
      if (o.json) return console.log(JSON.stringify(users, null, 2));
      console.log(
        users.length
          ? table([
              ['NAME', 'ROLE', 'CREATED', 'UPDATED'],
              ...users.map((u) => [u.name, u.role, u.createdAt, u.updatedAt]),
            ])
          : 'No users yet: `dvsan user add NAME --role admin` creates the first admin.',
      );
    });

  user
    .command('add <name>')
    .description(
      'add a user (the password is asked for, or read from DVSAN_NEW_PASSWORD or DVSAN_PASSWORD)',
    )
    .requiredOption('--role <role>', 'admin, operator or viewer')
    .action(async (name: string, o: { role: string }) => {
      const password = await readPassword(`password for ${name}: `, newPasswordEnv, true);
      const u = await withClient(globals(), (c) =>
        c.call('user/add', { name, role: o.role as UserRole, password }),
      );
      console.log(`added ${u.name} (${u.role})`);
    });

  user
    .command('remove <name>')
    .description('remove a user and end their sessions')
    .action(async (name: string) => {
      const { removed } = await withClient(globals(), (c) => c.call('user/remove', { name }));
      console.log(removed ? `removed ${name}` : `no user ${name}: nothing removed`);
    });

  user
    .command('role <name> <role>')
    .description('change a user’s role (admin, operator, viewer)')
    .action(async (name: string, role: string) => {
      const u = await withClient(globals(), (c) =>
        c.call('user/setRole', { name, role: role as UserRole }),
      );
      console.log(`${u.name} is now ${u.role}`);
    });

  user
    .command('passwd <name>')
    .description('set a user’s password (asked for, or DVSAN_PASSWORD); ends their sessions')
    .action(async (name: string) => {
      const password = await readPassword(`new password for ${name}: `, newPasswordEnv, true);
      await withClient(globals(), (c) => c.call('user/setPassword', { name, password }));
      console.log(`password of ${name} changed; their sessions ended`);
    });
}
