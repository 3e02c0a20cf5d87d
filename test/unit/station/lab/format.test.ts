import { describe, expect, it } from 'vitest';
import { formatDown, formatStatus, formatUp } from '../../../../station/lab/format.js';
import type { LabState } from '../../../../station/lab/state.js';

const fp = 'SHA256:LrItl+zkesCoDNPAle1OICs46ISSqUh5+JwfQ8Rug1Q';
const state: LabState = {
  prefix: 'dvl',
  subnet: '10.99.1',
  dir: '/var/lib/dvsan-lab/dvl',
  createdAt: '2026-01-01T00:00:00.000Z',
  stationAddress: '10.99.1.1',
  keyPath: '/var/lib/dvsan-lab/dvl/id_ed25519',
  passwordPath: '/var/lib/dvsan-lab/dvl/password',
  nodes: [
    {
      name: 'dvl-u1',
      role: 'unit',
      address: '10.99.1.11',
      port: 22,
      user: 'root',
      sshdPid: 10,
      hostKeyFingerprint: fp,
      dataDir: '/var/lib/dvsan/data',
    },
    {
      name: 'dvl-h1',
      role: 'host',
      address: '10.99.1.101',
      port: 22,
      user: 'root',
      sshdPid: 11,
      hostKeyFingerprint: fp,
    },
  ],
};

describe('lab command output', () => {
  it('lists nodes and the exact node add commands after up', () => {
    const text = formatUp(state, 1234);
    expect(text).toContain('1 unit and 1 host on 10.99.1.0/24');
    expect(text).toMatch(/dvl-u1\s+unit\s+10\.99\.1\.11\s+SHA256:/);
    expect(text).toContain(
      `dvsan node add --name dvl-h1 --role host --address 10.99.1.101 --key /var/lib/dvsan-lab/dvl/id_ed25519 --accept-fingerprint ${fp}`,
    );
    expect(text).toContain('dvsan lab down --prefix dvl');
  });

  it('shows dead nodes and leftovers in status', () => {
    const text = formatStatus({
      prefix: 'dvl',
      dir: state.dir,
      exists: true,
      state,
      allUp: false,
      leftovers: ['dvl-u9'],
      nodes: state.nodes.map((n, i) => ({ ...n, sshdAlive: i === 0, reachable: i === 0 })),
    });
    expect(text).toContain('NOT all nodes up');
    expect(text).toMatch(/dvl-h1\s+host\s+10\.99\.1\.101\s+dead\s+closed/);
    expect(text).toContain('dvl-u9');
  });

  it('says so when down finds nothing', () => {
    const empty = {
      prefix: 'dvl',
      dir: state.dir,
      found: false,
      processes: 0,
      namespaces: [],
      links: [],
      mounts: [],
      loopDevices: [],
      dirRemoved: false,
      problems: [],
    };
    expect(formatDown(empty)).toBe('Nothing to remove: no lab dvl here.\n');
    expect(
      formatDown({ ...empty, found: true, processes: 1, namespaces: ['dvl-sw'], dirRemoved: true }),
    ).toBe(
      'Lab dvl is down: 1 process stopped, 1 namespace deleted, /var/lib/dvsan-lab/dvl removed.\n',
    );
  });
});
