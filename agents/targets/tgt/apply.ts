// What tgtd has after a step succeeded, worked out without asking it: the backend keeps its
// view of tgtd current this way instead of reading every target again after each change. It
// knows the steps plan.ts makes and nothing else; anything else makes the view unknown.
import type { LiveState, Step } from './plan.js';
import type { TgtTarget } from './show.js';

function option(step: Step, name: string): string | undefined {
  const i = step.indexOf(name);
  return i === -1 ? undefined : step[i + 1];
}

function portalOf(param: string | undefined): { address: string; port: number } | null {
  const m = /^portal=(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(param ?? '');
  if (!m) return null;
  return { address: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}

const without = (list: string[], value: string): string[] => list.filter((v) => v !== value);

function newTarget(tid: number, iqn: string): TgtTarget {
  return {
    tid,
    iqn,
    state: 'ready',
    sessions: [],
    // tgtd gives every target its controller LUN 0.
    luns: [
      {
        lun: 0,
        type: 'controller',
        sizeMb: 0,
        blockSize: 1,
        backingStoreType: 'null',
        backingPath: null,
      },
    ],
    incomingUsers: [],
    outgoingUser: null,
    addressRules: [],
    initiatorNames: [],
  };
}

/**
 * Changes `live` as tgtd changed when `step` succeeded. Returns false for a step it does not
 * model (the caller must then read tgtd again); `live` is left as it was in that case.
 */
export function applyStep(live: LiveState, step: Step): boolean {
  const op = option(step, '--op');
  const mode = option(step, '--mode');
  const tidText = option(step, '--tid');
  const tid = tidText !== undefined && /^\d+$/.test(tidText) ? Number(tidText) : null;
  const target = tid === null ? undefined : live.targets.find((t) => t.tid === tid);
  const user = option(step, '--user');

  if (mode === 'portal' && op === 'new') {
    const portal = portalOf(option(step, '--param'));
    if (!portal) return false;
    live.portals.push({ ...portal, tpgt: 1 });
    return true;
  }
  if (mode === 'target' && op === 'new') {
    const iqn = option(step, '-T');
    if (tid === null || target || !iqn) return false;
    live.targets.push(newTarget(tid, iqn));
    live.targets.sort((a, b) => a.tid - b.tid);
    return true;
  }
  if (mode === 'account' && user !== undefined && tid === null) {
    if (op === 'new' && !live.accounts.includes(user)) {
      live.accounts.push(user);
      return true;
    }
    if (op === 'delete') {
      // tgtd unbinds a deleted account from every target.
      live.accounts = without(live.accounts, user);
      for (const t of live.targets) {
        t.incomingUsers = without(t.incomingUsers, user);
        if (t.outgoingUser === user) t.outgoingUser = null;
      }
      return true;
    }
    return false;
  }
  if (!target) return false;

  if (mode === 'target') {
    if (op === 'delete') {
      live.targets = live.targets.filter((t) => t !== target);
      return true;
    }
    const address = option(step, '--initiator-address');
    const name = option(step, '--initiator-name');
    const key = address !== undefined ? 'addressRules' : 'initiatorNames';
    const value = address ?? name;
    if (value === undefined) return false;
    if (op === 'bind') target[key] = [...without(target[key], value), value];
    else if (op === 'unbind') target[key] = without(target[key], value);
    else return false;
    return true;
  }
  if (mode === 'logicalunit') {
    const lunText = option(step, '--lun');
    if (lunText === undefined || !/^\d+$/.test(lunText)) return false;
    const lun = Number(lunText);
    const others = target.luns.filter((l) => l.lun !== lun);
    if (op === 'delete') {
      target.luns = others;
      return true;
    }
    const backingPath = option(step, '-b');
    if (op !== 'new' || backingPath === undefined) return false;
    target.luns = [
      ...others,
      {
        lun,
        type: 'disk',
        sizeMb: null,
        blockSize: null,
        backingStoreType: 'rdwr',
        backingPath,
      },
    ].sort((a, b) => a.lun - b.lun);
    return true;
  }
  if (mode === 'account' && user !== undefined) {
    const outgoing = step.includes('--outgoing');
    if (op === 'bind' && outgoing) target.outgoingUser = user;
    else if (op === 'bind') target.incomingUsers = [...without(target.incomingUsers, user), user];
    else if (op === 'unbind' && outgoing) {
      if (target.outgoingUser === user) target.outgoingUser = null;
    } else if (op === 'unbind') target.incomingUsers = without(target.incomingUsers, user);
    else return false;
    return true;
  }
  return false;
}
