import { describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/index.js';
import {
  assertRoot,
  isLabName,
  nodeAddress,
  planLab,
  validateDir,
  validatePrefix,
  validateSubnet,
} from '../../../../station/lab/plan.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DvsanError ? e.code : 'not-a-DvsanError';
  }
  return undefined;
}

describe('lab plan', () => {
  it('names and addresses units and hosts in separate ranges', () => {
    const plan = planLab({ units: 2, hosts: 1 });
    expect(plan.prefix).toBe('dvl');
    expect(plan.dir).toBe('/var/lib/dvsan-lab/dvl');
    expect(plan.switchNs).toBe('dvl-sw');
    expect(plan.stationLink).toBe('dvl-st');
    expect(plan.stationAddress).toBe('10.99.1.1');
    expect(plan.nodes.map((n) => [n.name, n.role, n.address])).toEqual([
      ['dvl-u1', 'unit', '10.99.1.11'],
      ['dvl-u2', 'unit', '10.99.1.12'],
      ['dvl-h1', 'host', '10.99.1.101'],
    ]);
  });

  it('keeps every interface name within 15 characters at the largest lab', () => {
    const plan = planLab({ units: 60, hosts: 60, prefix: 'abcde9', subnet: '10.99.255' });
    for (const name of [plan.stationLink, ...plan.nodes.map((n) => n.bridgePort)])
      expect(name.length).toBeLessThanOrEqual(15);
    expect(plan.nodes.at(-1)?.address).toBe('10.99.255.160');
    expect(new Set(plan.nodes.map((n) => n.address)).size).toBe(120);
  });

  it('uses the given prefix, subnet and dir', () => {
    const plan = planLab({
      units: 1,
      hosts: 0,
      prefix: 'dvx',
      subnet: '10.99.9',
      dir: '/srv/labs/x/',
    });
    expect(plan.nodes[0]).toMatchObject({ name: 'dvx-u1', address: '10.99.9.11' });
    expect(plan.dir).toBe('/srv/labs/x');
    expect(nodeAddress('10.99.9', 'host', 3)).toBe('10.99.9.103');
  });

  it('rejects bad prefixes, subnets, dirs and counts', () => {
    for (const p of ['d', 'DVL', 'dvlabs', 'dv-l', 'dv12', '1dv', 'dv;rm'])
      expect(codeOf(() => validatePrefix(p))).toBe('invalid-params');
    for (const p of ['dv', 'dvl', 'lab2', 'abcde9']) expect(validatePrefix(p)).toBe(p);
    for (const s of ['10.98.1', '10.99.256', '10.99', '10.99.1.0', '192.168.1', '10.99.1; ls'])
      expect(codeOf(() => validateSubnet(s))).toBe('invalid-params');
    for (const d of ['relative/dir', '/', '/var', ''])
      expect(codeOf(() => validateDir(d))).toBe('invalid-params');
    expect(codeOf(() => planLab({ units: 61, hosts: 0 }))).toBe('invalid-params');
    expect(codeOf(() => planLab({ units: -1, hosts: 1 }))).toBe('invalid-params');
    expect(codeOf(() => planLab({ units: 1.5, hosts: 1 }))).toBe('invalid-params');
    expect(codeOf(() => planLab({ units: 0, hosts: 0 }))).toBe('invalid-params');
  });

  it('refuses a lab dir below a place each node replaces with a private copy', () => {
    for (const d of ['/root/lab', '/opt/dvsan/lab', '/var/lib/dvsan/lab', '/run/dvsan/x']) {
      expect(codeOf(() => validateDir(d))).toBe('invalid-params');
    }
    expect(validateDir('/var/lib/dvsan-lab/x')).toBe('/var/lib/dvsan-lab/x');
    expect(validateDir('/srv/root/lab')).toBe('/srv/root/lab');
  });

  it('accepts --without-node only for nodes of the lab', () => {
    expect(planLab({ units: 1, hosts: 1, withoutNode: ['dvl-h1', 'dvl-h1'] }).withoutNode).toEqual([
      'dvl-h1',
    ]);
    expect(codeOf(() => planLab({ units: 1, hosts: 1, withoutNode: ['dvl-h2'] }))).toBe(
      'invalid-params',
    );
  });

  it('tells a non-root caller to use sudo', () => {
    expect(codeOf(() => assertRoot(1000))).toBe('lab-needs-root');
    expect(() => assertRoot(1000)).toThrow(/sudo/);
    expect(codeOf(() => assertRoot(0))).toBeUndefined();
  });

  it('matches only names of its own lab', () => {
    expect(isLabName('dvl', 'dvl-u1')).toBe(true);
    expect(isLabName('dvl', 'dvl2-u1')).toBe(false);
    expect(isLabName('dv', 'dvl-u1')).toBe(false);
  });
});
