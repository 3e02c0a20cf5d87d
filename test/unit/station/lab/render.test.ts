import { describe, expect, it } from 'vitest';
import {
  parseFingerprint,
  renderHosts,
  renderPasswd,
  renderShadow,
  renderSshdConfig,
  shadowDay,
} from '../../../../station/lab/render.js';

describe('lab node files', () => {
  it('renders an sshd config bound to the node address with lab-wide keys', () => {
    const cfg = renderSshdConfig({
      address: '10.99.1.11',
      nodeDir: '/var/lib/dvsan-lab/dvl/dvl-u1',
      labDir: '/var/lib/dvsan-lab/dvl',
    });
    const lines = cfg.split('\n');
    for (const want of [
      'ListenAddress 10.99.1.11:22',
      'HostKey /var/lib/dvsan-lab/dvl/dvl-u1/ssh_host_ed25519_key',
      'PidFile /var/lib/dvsan-lab/dvl/dvl-u1/sshd.pid',
      'AuthorizedKeysFile /var/lib/dvsan-lab/dvl/authorized_keys',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'UseDNS no',
      'Subsystem sftp internal-sftp',
      'MaxStartups 100:30:200',
      'MaxSessions 50',
      'PrintMotd no',
    ]) {
      expect(lines).toContain(want);
    }
  });

  it('gives root /bin/sh and leaves other accounts alone', () => {
    const real =
      'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';
    expect(renderPasswd(real)).toBe(
      'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n',
    );
  });

  it("sets root's password hash in shadow, adding root if missing", () => {
    const real = 'root:*:19000:0:99999:7:::\nsshd:!:19000::::::\n';
    expect(renderShadow(real, '$6$salt$hash', 20000)).toBe(
      'root:$6$salt$hash:20000:0:99999:7:::\nsshd:!:19000::::::\n',
    );
    expect(renderShadow('sshd:!:19000::::::', '$6$x', 1).split('\n')[0]).toBe(
      'root:$6$x:1:0:99999:7:::',
    );
    expect(shadowDay(new Date('1970-01-03T12:00:00Z'))).toBe(2);
  });

  it('appends every lab node to hosts', () => {
    const hosts = renderHosts('127.0.0.1 localhost', [
      { name: 'dvl-u1', address: '10.99.1.11' },
      { name: 'dvl-h1', address: '10.99.1.101' },
    ]);
    expect(hosts).toBe(
      '127.0.0.1 localhost\n# dvsan lab nodes\n10.99.1.11 dvl-u1\n10.99.1.101 dvl-h1\n',
    );
  });

  it('reads the fingerprint from ssh-keygen -lf', () => {
    const fp = 'SHA256:LrItl+zkesCoDNPAle1OICs46ISSqUh5+JwfQ8Rug1Q';
    expect(parseFingerprint(`256 ${fp} dvl-u1 (ED25519)\n`)).toBe(fp);
    expect(() => parseFingerprint('no key here')).toThrow(/fingerprint/);
  });
});
