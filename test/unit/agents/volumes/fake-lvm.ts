import type { CommandResult, CommandRunner } from '../../../../agents/volumes/command.js';

interface FakeLv {
  sizeBytes: number;
  pool: string;
  dataPercent: string;
}

/**
 * A pretend LVM behind the command runner: it answers vgs/lvs with JSON as LVM prints it and
 * applies lvcreate/lvextend/lvremove to its VGs, rounding sizes up to 4 MiB extents like LVM.
 * Every call is recorded so tests check the exact argv.
 */
export class FakeLvm {
  readonly calls: { tool: string; args: string[] }[] = [];
  readonly vgs = new Map<string, { sizeBytes: number; lvs: Map<string, FakeLv> }>();
  readonly extentBytes = 4 * 1024 * 1024;
  /** Set to make the next call of this tool fail with this stderr. */
  failNext: { tool: string; stderr: string } | null = null;

  addVg(name: string, sizeBytes: number, lvs: Record<string, Partial<FakeLv>> = {}): this {
    const map = new Map<string, FakeLv>();
    for (const [lv, props] of Object.entries(lvs)) {
      map.set(lv, {
        sizeBytes: props.sizeBytes ?? this.extentBytes,
        pool: '',
        dataPercent: '',
        ...props,
      });
    }
    this.vgs.set(name, { sizeBytes, lvs: map });
    return this;
  }

  readonly runner: CommandRunner = async (tool, argv) => {
    const args = [...argv];
    this.calls.push({ tool, args });
    if (this.failNext?.tool === tool) {
      const { stderr } = this.failNext;
      this.failNext = null;
      return { code: 5, stdout: '', stderr };
    }
    switch (tool) {
      case 'vgs':
        return this.vgsReport();
      case 'lvs':
        return this.lvsReport(args[args.length - 1]!);
      case 'lvcreate':
        return this.lvcreate(args);
      case 'lvextend':
        return this.lvextend(args);
      case 'lvremove':
        return this.lvremove(args);
      default:
        return { code: 127, stdout: '', stderr: `${tool}: not found` };
    }
  };

  /** The calls that changed something (not vgs/lvs queries). */
  changes(): { tool: string; args: string[] }[] {
    return this.calls.filter((c) => c.tool !== 'vgs' && c.tool !== 'lvs');
  }

  private round(bytes: number): number {
    return Math.ceil(bytes / this.extentBytes) * this.extentBytes;
  }

  private used(vg: { lvs: Map<string, FakeLv> }): number {
    let sum = 0;
    for (const lv of vg.lvs.values()) if (lv.pool === '') sum += lv.sizeBytes;
    return sum;
  }

  private vgsReport(): CommandResult {
    const vg = [...this.vgs].map(([name, v]) => ({
      vg_name: name,
      vg_size: String(v.sizeBytes),
      vg_free: String(v.sizeBytes - this.used(v)),
    }));
    return { code: 0, stdout: JSON.stringify({ report: [{ vg }] }), stderr: '' };
  }

  private lvsReport(vgName: string): CommandResult {
    const vg = this.vgs.get(vgName);
    if (!vg) return { code: 5, stdout: '', stderr: `  Volume group "${vgName}" not found` };
    const lv = [...vg.lvs].map(([name, l]) => ({
      lv_name: name,
      lv_size: String(l.sizeBytes),
      data_percent: l.dataPercent,
      lv_path: name === 'dvsan-thin' ? '' : `/dev/${vgName}/${name}`,
      pool_lv: l.pool,
      vg_extent_size: String(this.extentBytes),
    }));
    return { code: 0, stdout: JSON.stringify({ report: [{ lv }] }), stderr: '' };
  }

  private lvcreate(args: string[]): CommandResult {
    const vgName = args[args.length - 1]!;
    const vg = this.vgs.get(vgName);
    const name = args[args.indexOf('-n') + 1]!;
    const thin = args.includes('-V');
    const size = this.round(Number(args[args.indexOf(thin ? '-V' : '-L') + 1]!.replace(/b$/, '')));
    if (!vg) return { code: 5, stdout: '', stderr: `  Volume group "${vgName}" not found` };
    if (vg.lvs.has(name)) {
      return {
        code: 5,
        stdout: '',
        stderr: `  Logical Volume "${name}" already exists in volume group "${vgName}"`,
      };
    }
    if (!thin && size > vg.sizeBytes - this.used(vg)) {
      return {
        code: 5,
        stdout: '',
        stderr: `  Volume group "${vgName}" has insufficient free space (0 extents): 1 required.`,
      };
    }
    vg.lvs.set(name, {
      sizeBytes: size,
      pool: thin ? 'dvsan-thin' : '',
      dataPercent: thin ? '0.00' : '',
    });
    return { code: 0, stdout: `  Logical volume "${name}" created.\n`, stderr: '' };
  }

  private lvextend(args: string[]): CommandResult {
    const [vgName, name] = args[args.length - 1]!.split('/') as [string, string];
    const lv = this.vgs.get(vgName)?.lvs.get(name);
    if (!lv)
      return { code: 5, stdout: '', stderr: `  Failed to find logical volume "${vgName}/${name}"` };
    lv.sizeBytes = this.round(Number(args[args.indexOf('-L') + 1]!.replace(/b$/, '')));
    return { code: 0, stdout: '', stderr: '' };
  }

  private lvremove(args: string[]): CommandResult {
    const [vgName, name] = args[args.length - 1]!.split('/') as [string, string];
    const vg = this.vgs.get(vgName);
    if (!vg?.lvs.delete(name)) {
      return { code: 5, stdout: '', stderr: `  Failed to find logical volume "${vgName}/${name}"` };
    }
    return { code: 0, stdout: `  Logical volume "${name}" successfully removed.\n`, stderr: '' };
  }
}

/** A runner for a unit without LVM: every tool is missing. */
export const noLvm: CommandRunner = async (tool) => ({
  code: 127,
  stdout: '',
  stderr: `${tool}: not found`,
});
