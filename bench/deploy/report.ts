// What the deploy benchmark prints and writes: the result shape (artifacts/bench/deploy.json),
// a text table with the ratios and goals, and a small hand-written SVG bar chart.

export interface ToolTimes {
  id: string;
  label: string;
  coldSeconds: number;
  /** Second run right after the first; connections from the first run still open. */
  currentKeptSeconds: number;
  /** Second run from scratch: a new station process / Ansible's ssh masters closed first. */
  currentFreshSeconds: number;
}

export interface Ratios {
  cold: number;
  currentKept: number;
  currentFresh: number;
}

export interface Goal {
  target: number;
  /** The smallest Ansible/dvsan ratio over the Ansible variants, and which variant it was. */
  worstRatio: number;
  against: string;
  met: boolean;
}

export interface BenchResult {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    kernel: string;
    node: string;
    ansible: string;
    openssh: string;
  };
  nodes: number;
  bundleBytes: number;
  deployConcurrency: number;
  dvsan: ToolTimes & {
    addSeconds: number;
    roundTrips: { cold: number[]; currentKept: number[]; currentFresh: number[] };
  };
  ansible: (ToolTimes & { forks: number; pipelining: boolean })[];
  ratios: Record<string, Ratios>;
  goals: { cold: Goal; currentKept: Goal; currentFresh: Goal };
}

export function ratiosFor(dvsan: ToolTimes, ansible: ToolTimes): Ratios {
  return {
    cold: ansible.coldSeconds / dvsan.coldSeconds,
    currentKept: ansible.currentKeptSeconds / dvsan.currentKeptSeconds,
    currentFresh: ansible.currentFreshSeconds / dvsan.currentFreshSeconds,
  };
}

export function goalFor(
  ratios: Record<string, Ratios>,
  labels: Record<string, string>,
  key: keyof Ratios,
  target: number,
): Goal {
  let worst: [string, number] = ['', Infinity];
  for (const [id, r] of Object.entries(ratios)) if (r[key] < worst[1]) worst = [id, r[key]];
  return {
    target,
    worstRatio: worst[1],
    against: labels[worst[0]] ?? worst[0],
    met: worst[1] >= target,
  };
}

const s = (x: number) => x.toFixed(2).padStart(8);
const x = (r: number) => `${r.toFixed(1)}×`.padStart(8);

export function formatTable(r: BenchResult): string {
  const w = Math.max(...[r.dvsan, ...r.ansible].map((t) => t.label.length), 24) + 2;
  const head = `${'tool'.padEnd(w)}${'cold'.padStart(8)}${'current'.padStart(10)}${'current'.padStart(10)}`;
  const sub = `${''.padEnd(w)}${'s'.padStart(8)}${'kept s'.padStart(10)}${'fresh s'.padStart(10)}`;
  const row = (t: ToolTimes) =>
    `${t.label.padEnd(w)}${s(t.coldSeconds)}${s(t.currentKeptSeconds).padStart(10)}${s(t.currentFreshSeconds).padStart(10)}`;
  const ratio = (t: ToolTimes) => {
    const q = r.ratios[t.id]!;
    return `${t.label.padEnd(w)}${x(q.cold)}${x(q.currentKept).padStart(10)}${x(q.currentFresh).padStart(10)}`;
  };
  const goal = (name: string, g: Goal) =>
    `  ${name}: ≥${g.target}× ${g.met ? 'MET' : 'NOT MET'} (lowest ratio ${g.worstRatio.toFixed(1)}× against ${g.against})`;
  return [
    `${r.nodes} nodes, agent bundle ${(r.bundleBytes / 1024).toFixed(0)} KiB, ${r.machine.cpus} CPUs (${r.machine.cpuModel})`,
    `dvsan deploy concurrency ${r.deployConcurrency}; Ansible ${r.machine.ansible}, gather_facts: false, ControlPersist 60s`,
    '',
    head,
    sub,
    row(r.dvsan),
    ...r.ansible.map(row),
    '',
    'ratio Ansible / dvsan',
    ...r.ansible.map(ratio),
    '',
    'goals',
    goal('cold', r.goals.cold),
    goal('current, connections kept', r.goals.currentKept),
    goal('current, fresh connections', r.goals.currentFresh),
    '',
    `dvsan round trips per node: cold ${summary(r.dvsan.roundTrips.cold)}, current ${summary(r.dvsan.roundTrips.currentKept)} / ${summary(r.dvsan.roundTrips.currentFresh)}`,
  ].join('\n');
}

function summary(values: number[]): string {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return distinct.length === 1 ? `all ${distinct[0]}` : distinct.join('/');
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Three panels (cold, current with kept connections, current with fresh ones), one horizontal
 * bar per tool, each panel on its own linear scale; Ansible bars carry their ratio to dvsan.
 */
export function renderSvg(r: BenchResult): string {
  const tools = [r.dvsan, ...r.ansible];
  const panels: {
    title: string;
    key: 'coldSeconds' | 'currentKeptSeconds' | 'currentFreshSeconds';
    ratio: keyof Ratios;
    goal: Goal;
  }[] = [
    {
      title: 'Cold: agent not on the nodes',
      key: 'coldSeconds',
      ratio: 'cold',
      goal: r.goals.cold,
    },
    {
      title: 'Current, right after (ssh connections still open)',
      key: 'currentKeptSeconds',
      ratio: 'currentKept',
      goal: r.goals.currentKept,
    },
    {
      title: 'Current, from scratch (new station / ssh masters closed)',
      key: 'currentFreshSeconds',
      ratio: 'currentFresh',
      goal: r.goals.currentFresh,
    },
  ];
  const width = 760;
  const labelW = 250;
  const barMax = width - labelW - 150;
  const barH = 20;
  const gap = 6;
  const panelH = 44 + tools.length * (barH + gap) + 10;
  const top = 52;
  const height = top + panels.length * panelH + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">Agent deploy to ${r.nodes} lab nodes: dvsan vs Ansible (seconds, lower is better)</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${r.machine.cpus} CPUs, ${r.date.slice(0, 10)}; dvsan concurrency ${r.deployConcurrency}; Ansible ${r.machine.ansible}, gather_facts: false`)}</text>`,
  ];
  panels.forEach((p, i) => {
    const y0 = top + i * panelH;
    const max = Math.max(...tools.map((t) => t[p.key]));
    // Where dvsan's bar must end to meet the goal against the fastest Ansible variant.
    const fastest = Math.min(...r.ansible.map((a) => a[p.key]));
    const gx = labelW + (fastest / p.goal.target / max) * barMax;
    out.push(`<text x="12" y="${y0 + 20}" font-weight="bold">${esc(p.title)}</text>`);
    tools.forEach((t, j) => {
      const y = y0 + 42 + j * (barH + gap);
      const w = Math.max(1, (t[p.key] / max) * barMax);
      const isDvsan = t === r.dvsan;
      const ratio = isDvsan ? '' : `  (${r.ratios[t.id]![p.ratio].toFixed(1)}× dvsan)`;
      out.push(
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(t.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${isDvsan ? '#2b7a4b' : '#c2562f'}"/>`,
        // dvsan's value goes right of the goal line so the two never overlap.
        `<text x="${(Math.max(labelW + w, isDvsan ? gx : 0) + 6).toFixed(1)}" y="${y + 15}">${t[p.key].toFixed(2)} s${esc(ratio)}</text>`,
      );
    });
    const y1 = y0 + 36;
    const y2 = y0 + 42 + barH + 4;
    out.push(
      `<line x1="${gx.toFixed(1)}" y1="${y1}" x2="${gx.toFixed(1)}" y2="${y2}" stroke="#000" stroke-width="2" stroke-dasharray="4 3"/>`,
      `<text x="${(gx + 4).toFixed(1)}" y="${y1 + 1}" font-size="11" fill="#333">goal ${p.goal.target}×: ${(fastest / p.goal.target).toFixed(2)} s</text>`,
    );
  });
  out.push(
    `<text x="12" y="${height - 10}" font-size="11" fill="#555">Dashed line: where dvsan's bar must end to meet the goal (5× faster cold, 10× current) against the fastest Ansible variant.</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
