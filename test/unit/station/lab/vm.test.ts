import { describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/index.js';
import { planLab } from '../../../../station/lab/plan.js';
import { qemuArgs, renderNodeEnv, tail, vmMac } from '../../../../station/lab/vm-args.js';

const image = { dir: '/img', kernel: '/img/vmlinuz', initrd: '/img/initrd.img' };
const files = (dir: string) => ({
  dir,
  hostKey: `${dir}/ssh_host_ed25519_key`,
  authorizedKeys: '/lab/authorized_keys',
});

describe('lab plan with VM nodes', () => {
  it('names VM nodes -vu/-vh and puts them in their own address ranges', () => {
    const plan = planLab({ units: 1, hosts: 1, vmUnits: 2, vmHosts: 1, subnet: '10.99.28' });
    expect(plan.nodes.map((n) => [n.name, n.address, n.vm === true])).toEqual([
      ['dvl-u1', '10.99.28.11', false],
      ['dvl-h1', '10.99.28.101', false],
      ['dvl-vu1', '10.99.28.71', true],
      ['dvl-vu2', '10.99.28.72', true],
      ['dvl-vh1', '10.99.28.161', true],
    ]);
  });

  it('allows a lab of VMs only, and refuses too many VMs or --without-node on a VM', () => {
    expect(planLab({ units: 0, hosts: 0, vmHosts: 1 }).nodes).toHaveLength(1);
    expect(() => planLab({ units: 0, hosts: 0, vmUnits: 21 })).toThrow(/VM units .* 0 to 20/);
    expect(() => planLab({ units: 0, hosts: 0, vmUnits: 1, withoutNode: ['dvl-vu1'] })).toThrow(
      DvsanError,
    );
  });
});

describe('qemu arguments', () => {
  const plan = planLab({ units: 0, hosts: 0, vmUnits: 1, vmHosts: 1, subnet: '10.99.28' });
  const [vu, vh] = plan.nodes;

  it('gives a unit a data disk, a tap named after it on the bridge and fw_cfg identity files', () => {
    const argv = qemuArgs(vu!, image, files('/lab/dvl-vu1'), 'tcg');
    const joined = argv.join(' ');
    expect(joined).toContain('-accel tcg');
    expect(joined).toContain('-drive file=/lab/dvl-vu1/data.img,format=raw,if=virtio');
    expect(joined).toContain('tap,id=n0,ifname=dvl-vu1,script=no,downscript=no');
    expect(joined).toContain('mac=52:54:00:99:1c:47');
    expect(joined).toContain('name=opt/dvsan/host_key,file=/lab/dvl-vu1/ssh_host_ed25519_key');
    expect(joined).toContain('-pidfile /lab/dvl-vu1/qemu.pid');
  });

  it('gives a host no data disk, and uses KVM when asked', () => {
    const argv = qemuArgs(vh!, image, files('/lab/dvl-vh1'), 'kvm');
    expect(argv).not.toContain('-drive');
    expect(argv.join(' ')).toContain('-accel kvm -cpu host');
  });

  it('never puts a secret on the command line: keys go by file', () => {
    const argv = qemuArgs(vu!, image, files('/lab/dvl-vu1'), 'tcg');
    expect(argv.join(' ')).not.toMatch(/PRIVATE KEY|ssh-ed25519 /);
    expect(argv[argv.indexOf('-append') + 1]).toBe('console=ttyS0 panic=-1 quiet');
  });

  it('renders node.env and MACs from the address', () => {
    expect(renderNodeEnv(vh!)).toBe(
      'NAME=dvl-vh1\nROLE=host\nADDRESS=10.99.28.161\nPREFIXLEN=24\n',
    );
    expect(vmMac('10.99.1.255')).toBe('52:54:00:99:01:ff');
  });
});

describe('VM helpers', () => {
  it('keeps the last lines of a console log', () => {
    expect(tail('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
