// A small stand-in for tgtd behind tgtadm, for unit tests: it keeps targets, LUNs, rules and
// accounts the way tgtd does (accounts global, bound per target, one outgoing per target),
// refuses what tgtd refuses (exit 22), and prints `show` output in tgt 1.0.85's layout.
import type { CommandResult } from '../../../../../agents/targets/tgt/index.js';

interface FakeTarget {
  tid: number;
  iqn: string;
  luns: Map<number, string>;
  addresses: string[];
  names: string[];
  incoming: string[];
  outgoing: string | null;
  sessions: string[];
}

const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
const fail = (why: string): CommandResult => ({ code: 22, stdout: '', stderr: `tgtadm: ${why}\n` });

export class FakeTgtd {
  targets = new Map<number, FakeTarget>();
  accounts = new Map<string, string>();
  portals = ['[::]:3260,1', '0.0.0.0:3260,1'];
  /** Every command run, as argv after the binary. */
  calls: string[][] = [];
  running = true;
  /** Makes the command whose argv contains all of these fail once. */
  failOn: string[] | null = null;

  run = async (_file: string, args: readonly string[]): Promise<CommandResult> => {
    this.calls.push([...args]);
    if (!this.running)
      return {
        code: 107,
        stdout: '',
        stderr:
          "tgtadm: can't send the request to the tgt daemon, Transport endpoint is not connected\n",
      };
    if (this.failOn && this.failOn.every((a) => args.includes(a))) {
      this.failOn = null;
      return fail('injected failure');
    }
    return this.handle(args);
  };

  /** Only the commands that change something. */
  changes(): string[][] {
    return this.calls.filter((c) => !c.includes('show'));
  }

  private handle(args: readonly string[]): CommandResult {
    const opt = (name: string): string | undefined => {
      const i = args.indexOf(name);
      return i === -1 ? undefined : args[i + 1];
    };
    const op = opt('--op');
    const mode = opt('--mode');
    const tidText = opt('--tid');
    const tid = tidText === undefined ? undefined : Number(tidText);
    const target = tid === undefined ? undefined : this.targets.get(tid);
    const user = opt('--user');
    const outgoing = args.includes('--outgoing');

    if (op === 'show') {
      if (mode === 'target') return ok(this.showTargets());
      if (mode === 'account')
        return ok(`Account list:\n${[...this.accounts.keys()].map((u) => `    ${u}\n`).join('')}`);
      if (mode === 'portal') return ok(this.portals.map((p) => `Portal: ${p}\n`).join(''));
      if (mode === 'sys') return ok('System:\n    State: ready\n');
      return fail('invalid request');
    }
    if (mode === 'portal' && op === 'new') {
      const param = opt('--param') ?? '';
      this.portals.unshift(`${param.replace(/^portal=/, '')},1`);
      return ok();
    }
    if (mode === 'target') {
      if (op === 'new') {
        const iqn = opt('-T') ?? '';
        if (
          tid === undefined ||
          this.targets.has(tid) ||
          [...this.targets.values()].some((t) => t.iqn === iqn)
        )
          return fail('this target already exists');
        this.targets.set(tid, {
          tid,
          iqn,
          luns: new Map(),
          addresses: [],
          names: [],
          incoming: [],
          outgoing: null,
          sessions: [],
        });
        return ok();
      }
      if (!target) return fail("can't find the target");
      if (op === 'delete') {
        if (target.sessions.length > 0 && !args.includes('--force'))
          return fail('this target is still active');
        this.targets.delete(target.tid);
        return ok();
      }
      const address = opt('--initiator-address');
      const name = opt('--initiator-name');
      const list = address !== undefined ? target.addresses : target.names;
      const value = address ?? name ?? '';
      if (op === 'bind') {
        if (list.includes(value)) return fail('this access control rule already exists');
        list.push(value);
        return ok();
      }
      if (op === 'unbind') {
        if (!list.includes(value)) return fail('this access control rule does not exist');
        list.splice(list.indexOf(value), 1);
        return ok();
      }
    }
    if (mode === 'logicalunit') {
      if (!target) return fail("can't find the target");
      const lun = Number(opt('--lun'));
      if (op === 'new') {
        if (target.luns.has(lun)) return fail('this logical unit number already exists');
        target.luns.set(lun, opt('-b') ?? '');
        return ok();
      }
      if (op === 'delete') {
        if (!target.luns.delete(lun)) return fail("can't find the logical unit");
        return ok();
      }
    }
    if (mode === 'account' && user !== undefined) {
      if (op === 'new') {
        if (this.accounts.has(user)) return fail('this account already exists');
        this.accounts.set(user, opt('--password') ?? '');
        return ok();
      }
      if (!this.accounts.has(user)) return fail("can't find the account");
      if (op === 'delete') {
        this.accounts.delete(user);
        for (const t of this.targets.values()) {
          t.incoming = t.incoming.filter((u) => u !== user);
          if (t.outgoing === user) t.outgoing = null;
        }
        return ok();
      }
      if (!target) return fail("can't find the target");
      if (op === 'bind') {
        if (outgoing) {
          if (target.outgoing) return fail('this target already has an outgoing account');
          target.outgoing = user;
        } else {
          if (target.incoming.includes(user)) return fail('this account already exists');
          target.incoming.push(user);
        }
        return ok();
      }
      if (op === 'unbind') {
        if (outgoing) {
          if (target.outgoing !== user) return fail("can't find the account");
          target.outgoing = null;
        } else {
          if (!target.incoming.includes(user)) return fail("can't find the account");
          target.incoming = target.incoming.filter((u) => u !== user);
        }
        return ok();
      }
    }
    return fail('invalid request');
  }

  showTargets(): string {
    let out = '';
    for (const t of [...this.targets.values()].sort((a, b) => a.tid - b.tid)) {
      out += `Target ${t.tid}: ${t.iqn}\n    System information:\n        Driver: iscsi\n        State: ready\n`;
      out += '    I_T nexus information:\n';
      t.sessions.forEach((initiator, i) => {
        out += `        I_T nexus: ${i + 1}\n            Initiator: ${initiator} alias: none\n            Connection: 0\n                IP Address: 10.99.7.101\n`;
      });
      out += '    LUN information:\n';
      const luns: [number, string | null][] = [
        [0, null],
        ...[...t.luns].sort((a, b) => a[0] - b[0]),
      ];
      for (const [lun, path] of luns) {
        out += `        LUN: ${lun}\n            Type: ${lun === 0 ? 'controller' : 'disk'}\n`;
        out += `            Size: ${lun === 0 ? '0 MB, Block size: 1' : '8 MB, Block size: 512'}\n`;
        out += `            Backing store type: ${lun === 0 ? 'null' : 'rdwr'}\n`;
        out += `            Backing store path: ${path ?? 'None'}\n            Backing store flags: \n`;
      }
      out += '    Account information:\n';
      for (const u of t.incoming) out += `        ${u}\n`;
      if (t.outgoing) out += `        ${t.outgoing} (outgoing)\n`;
      out += '    ACL information:\n';
      for (const a of [...t.addresses, ...t.names]) out += `        ${a}\n`;
    }
    return out;
  }
}
