import type { Command } from 'commander';
import {
  DvsanError,
  type StationClient,
  type Task,
  taskStates,
  type TaskState,
} from '../../protocol/index.js';
import { type GlobalOptions, waitForTask, withClient } from './client.js';
import { table, taskLine } from './format.js';

const short = (id: string) => id.slice(0, 8);
const time = (at: string | null) => (at ? at.replace('T', ' ').slice(0, 19) : '-');

function tasksTable(tasks: Task[]): string {
  if (!tasks.length)
    return 'No tasks. Changes (a deploy, a volume create or resize, an export) each run as a task.';
  return table([
    ['ID', 'STATE', 'DONE', 'KIND', 'USER', 'CREATED', 'NOTE'],
    ...tasks.map((t) => [
      short(t.id),
      t.state,
      `${t.progress}%`,
      t.kind,
      t.user,
      time(t.createdAt),
      t.waitingFor ? `waiting for ${t.waitingFor}` : (t.error?.message ?? ''),
    ]),
  ]);
}

function taskText(t: Task): string {
  return [
    `task     ${t.id}`,
    `kind     ${t.kind} by ${t.user}`,
    `state    ${t.state} ${t.progress}%${t.waitingFor ? ` — waiting for ${t.waitingFor}` : ''}`,
    `times    created ${time(t.createdAt)}, started ${time(t.startedAt)}, ended ${time(t.endedAt)}`,
    `locks    ${t.locks.map((l) => `${l.mode} ${l.kind} ${l.label ?? l.id}`).join(', ') || '-'}`,
    ...(t.error ? [`error    ${t.error.message}`] : []),
    'steps:',
    ...t.steps.map(
      (s) =>
        `  ${s.state.padEnd(11)} ${String(s.progress).padStart(3)}%  ${s.name}${s.message ? `: ${s.message}` : ''}`,
    ),
    'log:',
    ...t.log.map((l) => `  ${time(l.at)} ${l.level.padEnd(5)} ${l.message}`),
  ].join('\n');
}

/** A full id, or the short one the console and `task list` show. */
async function resolveId(client: StationClient, id: string): Promise<string> {
  if (id.length >= 36) return id;
  const matches = (await client.call('task/list', { limit: 1000 })).filter((t) =>
    t.id.startsWith(id),
  );
  if (matches.length === 1) return matches[0]!.id;
  throw new DvsanError(
    matches.length ? 'invalid-params' : 'not-found',
    matches.length
      ? `${id} matches ${matches.length} tasks: give more of the id`
      : `no task with an id starting ${id} among the last 1000 (see \`dvsan task list\`)`,
  );
}

function parseStates(value: string): TaskState[] {
  const states = value.split(',').map((s) => s.trim());
  const bad = states.filter((s) => !(taskStates as readonly string[]).includes(s));
  if (bad.length)
    throw new DvsanError(
      'invalid-params',
      `--state ${bad.join(',')}: use one or more of ${taskStates.join(', ')}`,
    );
  return states as TaskState[];
}

function parseCount(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new DvsanError(
      'invalid-params',
      `${flag} ${value}: give a whole number from 1 to ${max}`,
    );
  return n;
}

const print = (json: boolean, value: unknown, text: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : text());

export function registerTaskCommands(program: Command, globals: () => GlobalOptions): void {
  const task = program
    .command('task')
    .description('background tasks (cancel needs --station: tasks run in the serving station)');

  task
    .command('list')
    .description('tasks, newest first')
    .option('--state <states>', `only these states, comma-separated (${taskStates.join(', ')})`)
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'print JSON')
    .action(async (o: { state?: string; limit: string; json?: boolean }) => {
      const params = {
        limit: parseCount('--limit', o.limit, 1000),
        ...(o.state ? { states: parseStates(o.state) } : {}),
      };
      const tasks = await withClient(globals(), (c) => c.call('task/list', params));
      print(Boolean(o.json), tasks, () => tasksTable(tasks));
    });

  task
    .command('show <id>')
    .description('one task with its steps, locks and log')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const t = await withClient(globals(), async (c) =>
        c.call('task/get', { id: await resolveId(c, id) }),
      );
      print(Boolean(o.json), t, () => taskText(t));
    });

  task
    .command('cancel <id>')
    .description('cancel a queued task, or ask a running one to stop and undo its steps')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const t = await withClient(globals(), async (c) =>
        c.call('task/cancel', { id: await resolveId(c, id) }),
      );
      print(Boolean(o.json), t, () =>
        t.state === 'cancelled'
          ? `cancelled ${short(t.id)} (${t.kind})`
          : `asked ${short(t.id)} (${t.kind}) to stop: it undoes its finished steps, then ends cancelled`,
      );
    });

  task
    .command('wait <id>')
    .description('follow a task to its end; exits 1 unless it succeeded')
    .option('--json', 'print the final task as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const t = await withClient(globals(), async (c) =>
        waitForTask(c, await resolveId(c, id), (u) => {
          if (!o.json)
            console.log(taskLine(u) + (u.waitingFor ? ` — waiting for ${u.waitingFor}` : ''));
        }),
      );
      if (o.json) console.log(JSON.stringify(t, null, 2));
      if (t.state !== 'succeeded') process.exitCode = 1;
    });

  task
    .command('concurrency [limit]')
    .description('how many tasks run at once (the rest queue); sets it when a number is given')
    .option('--json', 'print JSON')
    .action(async (limit: string | undefined, o: { json?: boolean }) => {
      const settings = await withClient(globals(), (c) =>
        limit === undefined
          ? c.call('settings/get', {})
          : c.call('settings/update', { taskConcurrency: parseCount('limit', limit, 64) }),
      );
      print(
        Boolean(o.json),
        { taskConcurrency: settings.taskConcurrency },
        () => `tasks running at once: ${settings.taskConcurrency ?? 4}`,
      );
    });
}
