// Plain-text output of the lab commands (pure, so it is unit-tested).
import type { LabDownReport } from './down.js';
import type { LabState } from './state.js';
import type { LabStatus } from './status.js';

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatUp(state: LabState, elapsedMs: number): string {
  const units = state.nodes.filter((n) => n.role === 'unit').length;
  const hosts = state.nodes.length - units;
  const rows = [
    ['NODE', 'ROLE', 'ADDRESS', 'HOST KEY'],
    ...state.nodes.map((n) => [
      n.name,
      n.role + (n.withoutNode ? ' (no node)' : '') + (n.vm ? ` (VM, ${n.vm.accel})` : ''),
      n.address,
      n.hostKeyFingerprint,
    ]),
  ];
  const first = state.nodes[0];
  return [
    `Lab ${state.prefix} is up: ${plural(units, 'unit')} and ${plural(hosts, 'host')} on ${state.subnet}.0/24 (station ${state.stationAddress}) in ${(elapsedMs / 1000).toFixed(1)} s.`,
    '',
    table(rows),
    '',
    `SSH key:  ${state.keyPath}   (root on every node)`,
    `Password: ${state.passwordPath}`,
    '',
    'Add the nodes to dvsan:',
    ...state.nodes.map(
      (n) =>
        `  dvsan node add --name ${n.name} --role ${n.role} --address ${n.address} --key ${state.keyPath} --accept-fingerprint ${n.hostKeyFingerprint}`,
    ),
    '',
    ...(first ? [`Log in by hand: ssh -i ${state.keyPath} root@${first.address}`] : []),
    `Remove it:      dvsan lab down --prefix ${state.prefix}`,
    '',
  ].join('\n');
}

export function formatStatus(status: LabStatus): string {
  const lines: string[] = [];
  if (!status.state) {
    lines.push(`No lab ${status.prefix} (no ${status.dir}/lab.json).`);
  } else {
    const s = status.state;
    lines.push(
      `Lab ${s.prefix} on ${s.subnet}.0/24, created ${s.createdAt}: ${status.allUp ? 'all nodes up' : 'NOT all nodes up'}.`,
      '',
    );
    lines.push(
      table([
        ['NODE', 'ROLE', 'ADDRESS', 'SSHD', 'SSH PORT'],
        ...status.nodes.map((n) => [
          n.name,
          n.vm ? `${n.role} (VM)` : n.role,
          n.address,
          n.sshdAlive ? `${n.vm ? 'qemu ' : ''}pid ${n.sshdPid}` : 'dead',
          n.reachable ? 'open' : 'closed',
        ]),
      ]),
    );
  }
  if (status.leftovers.length > 0) {
    lines.push(
      '',
      `Leftovers of a lab ${status.prefix}: ${status.leftovers.join(', ')}. Remove them with \`dvsan lab down --prefix ${status.prefix}\`.`,
    );
  }
  return lines.join('\n') + '\n';
}

export function formatDown(report: LabDownReport): string {
  if (!report.found) return `Nothing to remove: no lab ${report.prefix} here.\n`;
  const parts = [
    report.processes > 0
      ? (report.processes === 1 ? '1 process' : `${report.processes} processes`) + ' stopped'
      : '',
    report.namespaces.length > 0 ? plural(report.namespaces.length, 'namespace') + ' deleted' : '',
    report.links.length > 0 ? plural(report.links.length, 'link') + ' deleted' : '',
    report.mounts.length > 0 ? plural(report.mounts.length, 'mount') + ' removed' : '',
    report.loopDevices.length > 0
      ? plural(report.loopDevices.length, 'loop device') + ' detached'
      : '',
    report.dirRemoved ? `${report.dir} removed` : '',
  ].filter(Boolean);
  return `Lab ${report.prefix} is down: ${parts.join(', ')}.\n`;
}
