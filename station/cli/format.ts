import type { Inventory, NodeView, Task } from '../../protocol/index.js';

/** Plain aligned columns for terminals; `--json` output bypasses this. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function nodesTable(nodes: NodeView[]): string {
  if (!nodes.length)
    return 'No nodes yet. Add one with `dvsan node add --name NAME --role unit --address ADDR --key KEYFILE`.';
  return table([
    ['NAME', 'ROLE', 'ADDRESS', 'USER', 'HOST KEY', 'STATE', 'HEALTH', 'AGENT'],
    ...nodes.map((n) => [
      n.name,
      n.spare ? `${n.role} (spare)` : n.role,
      `${n.address}:${n.port}`,
      n.user,
      n.hostKey.state === 'trusted' ? 'trusted' : `PENDING ${n.hostKey.fingerprint}`,
      n.lastError ? `${n.state}: ${n.lastError}` : n.state,
      n.health,
      n.agent.version ?? '-',
    ]),
  ]);
}

export function inventoryText(inv: Inventory): string {
  const lines = [
    `hostname   ${inv.hostname}`,
    `os         ${inv.os.prettyName} (kernel ${inv.os.kernel}, ${inv.os.arch})`,
    `cpu        ${inv.cpu.cores} × ${inv.cpu.model}`,
    `memory     ${gib(inv.memoryBytes)}`,
    `data dir   ${inv.dataDir.path}: ${gib(inv.dataDir.freeBytes)} free of ${gib(inv.dataDir.totalBytes)}`,
    `agent      ${inv.agent.version} on Node ${inv.agent.node}`,
    'nics:',
    ...inv.nics.map(
      (n) =>
        `  ${n.name} ${n.mac} ${n.addresses.map((a) => a.cidr ?? a.address).join(', ')}${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}`,
    ),
    'disks:',
    ...inv.disks.map(
      (d) =>
        `  ${d.name} ${d.type} ${gib(d.sizeBytes)}${d.mountpoint ? ` on ${d.mountpoint}` : ''}`,
    ),
    'tools:',
    ...Object.entries(inv.tools).map(([k, v]) => `  ${k.padEnd(20)} ${v ?? '-'}`),
  ];
  return lines.join('\n');
}

export function taskLine(task: Task): string {
  return (
    `${task.kind} ${task.state} ${task.progress}%` + (task.error ? `: ${task.error.message}` : '')
  );
}
