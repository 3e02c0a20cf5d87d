// The in-band path for comparison: one relay namespace on the lab bridge with one TCP forwarder
// (socat) per unit portal. Hosts log in to the relay's ports, so every byte between any host
// and any unit crosses the relay's one link, as in a design where I/O passes a controller.
// The namespace carries the lab prefix, so `lab down` would also remove a relay left behind.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { labEnv, run } from '../../station/lab/run.js';
import type { UndoStack } from '../common/run.js';
import type { ShapedEnd } from './shape.js';

export interface Relay {
  ns: string;
  address: string;
  /** The relay's port for each unit address. */
  ports: Map<string, number>;
  /** Both ends of the relay's link, to shape. */
  ends: ShapedEnd[];
}

const iscsiPort = 3260;

async function ip(argv: string[]): Promise<void> {
  const r = await run('ip', argv, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip ${argv.join(' ')} failed: ${r.stderr.trim()}`);
}

/** Resolves when something accepts on address:port (from the root namespace, over the lab bridge). */
async function listening(address: string, port: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port });
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the relay does not listen on ${address}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Makes the relay: namespace `<prefix>-rl` with eth0 on the bridge at `address`, and a socat per
 * unit listening on 3261, 3262, … and forwarding to the unit's portal.
 */
export async function startRelay(
  prefix: string,
  switchNs: string,
  address: string,
  unitAddresses: string[],
  undo: UndoStack,
): Promise<Relay> {
  const ns = `${prefix}-rl`;
  const port = ns;
  await ip(['netns', 'add', ns]);
  undo.push(`relay namespace ${ns}`, () => ip(['netns', 'del', ns]));
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  // Made from inside the namespace, so no second "eth0" ever appears in the root namespace.
  await ip([
    '-n',
    ns,
    'link',
    'add',
    'eth0',
    'type',
    'veth',
    'peer',
    'name',
    port,
    'netns',
    switchNs,
  ]);
  await ip(['-n', switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
  await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  const ports = new Map<string, number>();
  for (const [i, unit] of unitAddresses.entries()) {
    const listen = iscsiPort + 1 + i;
    // Its own process group, so one kill also ends the children socat forks per connection.
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'socat',
        `TCP-LISTEN:${listen},bind=${address},reuseaddr,fork`,
        `TCP:${unit}:${iscsiPort}`,
      ],
      { env: labEnv, stdio: 'ignore', detached: true },
    );
    const pid = child.pid;
    if (pid === undefined) throw new Error('socat did not start');
    child.unref();
    undo.push(`relay socat ${listen} → ${unit}`, async () => {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    });
    await listening(address, listen, 10_000);
    ports.set(unit, listen);
  }
  return {
    ns,
    address,
    ports,
    ends: [
      { ns, dev: 'eth0' },
      { ns: switchNs, dev: port },
    ],
  };
}
