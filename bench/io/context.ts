// What both parts of the I/O benchmark work with: the lab, the station client, node ids by
// name, the undo stack, and the two ways of attaching a volume to a host.
import { open } from 'node:fs/promises';
import type { StationClient, VolumeView } from '../../protocol/index.js';
import type { LabNode, LabState } from '../../station/lab/index.js';
import type { UndoStack } from '../common/run.js';
import { attachWithDvsan, chapOf, hostIqn } from './dvsan.js';
import { attachByHand } from './hand.js';
import { loopBacking, type UsedLoop } from './leftovers.js';

export const MiB = 1024 * 1024;
export const iscsiPort = 3260;

export type AttachMode = 'dvsan' | 'hand';

export interface IoContext {
  lab: LabState;
  client: StationClient;
  ids: Map<string, string>;
  undo: UndoStack;
  units: LabNode[];
  hosts: LabNode[];
  log: (msg: string) => void;
  /** Every loop device the run attached, to check none is left at the end. */
  loops: UsedLoop[];
}

/** An attached volume, whichever way: the device on the host and how to let go of it. */
export interface Attached {
  host: string;
  device: string;
  detach: () => Promise<void>;
}

export function idOf(ctx: IoContext, name: string): string {
  const id = ctx.ids.get(name);
  if (!id) throw new Error(`${name} is not in the station`);
  return id;
}

export async function createVolume(
  ctx: IoContext,
  name: string,
  unit: string,
  sizeBytes: number,
): Promise<VolumeView> {
  const v = await ctx.client.call('volume/create', { name, sizeBytes, unitId: idOf(ctx, unit) });
  ctx.undo.push(`volume ${name}`, () =>
    ctx.client.call('volume/delete', { id: v.id, force: true, confirm: name }),
  );
  return v;
}

/**
 * Attaches `volume` to `host`. By hand, the station still makes the export (so the unit holds
 * the same ACL and CHAP account dvsan's attach would use), and the host logs in with them to
 * `portal`, the unit's own unless a relay stands in between.
 */
export async function attach(
  ctx: IoContext,
  mode: AttachMode,
  volume: VolumeView,
  host: string,
  portal?: { address: string; port: number },
): Promise<Attached> {
  const a = await attachOnce(ctx, mode, volume, host, portal);
  const backing = await loopBacking(a.device);
  if (backing) ctx.loops.push({ device: a.device, backing });
  // Held open while attached: another lab's `lab down` detaches every loop device whose file
  // is under /run/dvsan, on the whole machine; an open device is then only marked autoclear
  // and lives on until this handle closes, just before our own detach.
  const held = await open(a.device, 'r');
  const release = ctx.undo.push(`hold on ${a.device}`, () => held.close());
  return {
    ...a,
    detach: async () => {
      await release();
      await a.detach();
    },
  };
}

async function attachOnce(
  ctx: IoContext,
  mode: AttachMode,
  volume: VolumeView,
  host: string,
  portal?: { address: string; port: number },
): Promise<Attached> {
  if (mode === 'dvsan')
    return attachWithDvsan(ctx.client, volume.id, volume.name, idOf(ctx, host), host, ctx.undo);
  const initiatorIqn = await hostIqn(ctx.lab, host);
  await ctx.client.call('volume/export', {
    id: volume.id,
    initiatorIqn,
    hostId: idOf(ctx, host),
  });
  const unexport = ctx.undo.push(`export of ${volume.name} to ${host}`, () =>
    ctx.client.call('volume/unexport', { id: volume.id, initiatorIqn }),
  );
  const unit = ctx.units.find((u) => u.name === volume.unitName);
  if (!unit) throw new Error(`${volume.name} is on ${volume.unitName}, not a lab unit`);
  const chap = await chapOf(ctx.lab, unit.name, volume.iqn, initiatorIqn);
  const a = await attachByHand(
    ctx.lab,
    host,
    `${volume.name}-${host}`,
    {
      iqn: volume.iqn,
      portal: portal ?? { address: unit.address, port: iscsiPort },
      lun: 1,
      initiatorIqn,
      chap,
    },
    ctx.undo,
  );
  return {
    host,
    device: a.device,
    detach: async () => {
      await a.detach();
      await unexport();
    },
  };
}
