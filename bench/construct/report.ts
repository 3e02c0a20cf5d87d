// What the construct benchmark prints and writes: the result shape
// (artifacts/bench/construct.json), a text table with ratios and goals, and a small
// hand-written SVG.

export interface Goal {
  target: number;
  value: number;
  met: boolean;
}

export interface BuildRun {
  /** First startup sent → pool.updated showing every unit up with its storage. */
  seconds: number;
  /** First → last startup handed to the sockets. */
  sendSeconds: number;
  /** First send → the listener verified the last startup that reached it. */
  verifiedSeconds: number;
  /** First send → every unit marked up (node.updated). */
  upSeconds: number;
  /** First send → first / last storage.inventory answered by a simulated agent. */
  firstEnquirySeconds: number;
  lastEnquirySeconds: number;
  /** Datagrams the kernel dropped at the listener's socket during the burst. */
  drops: number;
  /** Rounds of heartbeats (every unit, every 5 s) sent before the pool was complete. */
  heartbeatRounds: number;
  poolUpdates: number;
  /** The station thread's event-loop utilisation during the build (1 = never idle). */
  eventLoopUtilization: number;
  /** CPU time of the whole process (station, sqlite threads, sender worker) during the build. */
  cpuSeconds: number;
  pacing: string;
}

export interface RateRun {
  packets: number;
  seconds: number;
  perSecond: number;
  /** Packets/s of every repetition; this run is the median one. */
  samples?: number[];
  /** Milliseconds the station thread spent in garbage collection during the measurement. */
  gcMs?: number;
}

export interface UdpRun extends RateRun {
  sent: number;
  /** Sent ÷ time the sender took: what was offered. */
  offeredPerSecond: number;
  /** Verified (accepted or refused, as counted) by the listener. */
  handled: number;
  drops: number;
  sendErrors: number;
  /** The sender's pace in datagrams/s; null for a flood (as fast as the sockets take them). */
  pacedAt: number | null;
}

export interface ConstructResult {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    kernel: string;
    node: string;
    rmemMax: number;
    /** 1-minute load average before and after the run (other work on the machine). */
    loadBefore: number;
    loadAfter: number;
  };
  units: number;
  heartbeats: number;
  /** Repetitions of each listener measurement (the median is reported). */
  repeat: number;
  /** How long each paced UDP run lasts. */
  pacedSeconds: number;
  senderSockets: number;
  agentLatencyMs: number;
  enquiryConcurrency: number;
  build: BuildRun;
  poll: { seconds: number; loopSeconds: number };
  pool: {
    totalBytes: number;
    freeBytes: number;
    allocatedBytes: number;
    volumes: number;
    storagePools: number;
    /** Totals and every unit's numbers equal what the simulated agents reported. */
    checked: boolean;
  };
  listener: {
    injectAccepted: RateRun;
    injectRejected: RateRun;
    minimalAccepted: RateRun;
    minimalRejected: RateRun;
    udpAccepted: UdpRun;
    udpRejected: UdpRun;
    /** Baseline: the same flood into a bare socket that only counts datagrams. */
    udpBare: UdpRun;
    /** Paced runs, one per rate, each --paced-seconds long. */
    udpPaced: UdpRun[];
  };
  ratios: {
    /** Poll baseline time ÷ announce time: how many times faster the announce build is. */
    pollOverAnnounce: number;
    /** Full listener ÷ minimal verifier, packets/s (accepted; refused). */
    fullOverMinimal: number;
    fullOverMinimalRejected: number;
    /** UDP flood: verified packets/s ÷ the bare socket's received packets/s. */
    udpFullOverBare: number;
  };
  goals: { build: Goal; listener: Goal };
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const s2 = (v: number) => `${v.toFixed(2)} s`;
const runsOf = (r: RateRun) =>
  [
    r.samples && r.samples.length > 1 ? `runs ${r.samples.map(n0).join(', ')}` : '',
    r.gcMs !== undefined ? `GC ${n0(r.gcMs)} ms` : '',
  ]
    .filter(Boolean)
    .join('; ');

/** The highest paced rate the listener verified completely (no drops, nothing missing). */
export function lossless(r: ConstructResult): number | null {
  const ok = r.listener.udpPaced.filter((p) => p.drops === 0 && p.handled === p.sent);
  return ok.length ? Math.max(...ok.map((p) => p.pacedAt ?? 0)) : null;
}

export function formatTable(r: ConstructResult): string {
  const b = r.build;
  const l = r.listener;
  const row = (label: string, value: string, note = '') =>
    `  ${label.padEnd(46)}${value.padStart(12)}${note ? `   ${note}` : ''}`;
  const udp = (u: UdpRun) =>
    `${n0(u.handled)} of ${n0(u.sent)} sent, offered ${n0(u.offeredPerSecond)}/s, ${n0(u.drops)} dropped by the kernel${runsOf(u) ? `; ${runsOf(u)}` : ''}`;
  const goal = (name: string, g: Goal, unit: string, better: string) =>
    `  ${name}: ${better} ${unit === 's' ? `${g.target} s` : `${n0(g.target)}/s`} ${g.met ? 'MET' : 'NOT MET'} (${unit === 's' ? s2(g.value) : `${n0(g.value)}/s`})`;
  return [
    `${r.units} simulated units, ${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}, kernel ${r.machine.kernel}; load average ${r.machine.loadBefore.toFixed(2)} before, ${r.machine.loadAfter.toFixed(2)} after`,
    `${r.senderSockets} sender sockets in a worker thread; simulated agent latency ${r.agentLatencyMs} ms; enquiry concurrency ${r.enquiryConcurrency}; net.core.rmem_max ${n0(r.machine.rmemMax)}`,
    '',
    'Pool build (first startup sent → pool.updated with every unit up and its storage)',
    row('announce: UDP → listener → enquiry → merge', s2(b.seconds)),
    `      startups sent in ${s2(b.sendSeconds)} (${b.pacing}); ${n0(b.drops)} dropped by the kernel; ${b.heartbeatRounds} heartbeat rounds (every 5 s) before the pool was complete`,
    `      listener verified all at ${s2(b.verifiedSeconds)}; all up at ${s2(b.upSeconds)}; enquiries answered ${b.firstEnquirySeconds.toFixed(2)}–${s2(b.lastEnquirySeconds)}`,
    `      ${b.poolUpdates} pool.updated; station event loop busy ${(b.eventLoopUtilization * 100).toFixed(0)} %; process CPU ${s2(b.cpuSeconds)}`,
    row(
      'baseline: polling loop, one unit after another',
      s2(r.poll.seconds),
      `loop done at ${s2(r.poll.loopSeconds)}`,
    ),
    row('poll ÷ announce', `${r.ratios.pollOverAnnounce.toFixed(2)}×`),
    row(
      'pool',
      r.pool.checked ? 'checked' : 'MISMATCH',
      `${(r.pool.totalBytes / 1024 ** 5).toFixed(2)} PiB total, ${(r.pool.freeBytes / 1024 ** 5).toFixed(2)} PiB free, ${r.pool.storagePools} data pools, ${r.pool.volumes} volumes`,
    ),
    '',
    `Listener (${n0(r.heartbeats)} packets per measurement, median of ${r.repeat}; packets/s)`,
    row(
      'injectAnnounce, heartbeats (full checks)',
      n0(l.injectAccepted.perSecond),
      runsOf(l.injectAccepted),
    ),
    row(
      'minimal verifier, same heartbeats (JSON + HMAC)',
      n0(l.minimalAccepted.perSecond),
      runsOf(l.minimalAccepted),
    ),
    row('full ÷ minimal', r.ratios.fullOverMinimal.toFixed(2)),
    row(
      'injectAnnounce, bad signatures (refused)',
      n0(l.injectRejected.perSecond),
      runsOf(l.injectRejected),
    ),
    row(
      'minimal verifier, bad signatures',
      n0(l.minimalRejected.perSecond),
      runsOf(l.minimalRejected),
    ),
    row('full ÷ minimal, bad signatures', r.ratios.fullOverMinimalRejected.toFixed(2)),
    row(
      'UDP 127.0.0.1 flood, heartbeats verified',
      n0(l.udpAccepted.perSecond),
      udp(l.udpAccepted),
    ),
    row(
      'UDP 127.0.0.1 flood, bad signatures refused',
      n0(l.udpRejected.perSecond),
      udp(l.udpRejected),
    ),
    row('UDP 127.0.0.1 flood, bare socket (counts only)', n0(l.udpBare.perSecond), udp(l.udpBare)),
    row('UDP full ÷ bare socket', r.ratios.udpFullOverBare.toFixed(2)),
    ...l.udpPaced.map((p) =>
      row(`UDP 127.0.0.1 paced at ${n0(p.pacedAt ?? 0)}/s`, n0(p.perSecond), udp(p)),
    ),
    row('fastest paced rate without a drop', lossless(r) ? `${n0(lossless(r)!)}/s` : 'none'),
    '',
    'Goals',
    goal(`all ${r.units} units in the pool`, r.goals.build, 's', 'under'),
    goal('listener verified packets/s over UDP (flood)', r.goals.listener, '/s', '≥'),
  ].join('\n');
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  label: string;
  value: number;
  text: string;
  color: string;
}

/** Where a bar's value goes: after the bar, or after the goal line if it would cross it. */
function textX(x: number, text: string, goalX: number): number {
  const roughWidth = text.length * 7;
  return goalX >= x - 4 && goalX <= x + roughWidth ? goalX + 8 : x;
}

/** Three panels: pool build seconds (lower is better), listener packets/s and paced UDP runs. */
export function renderSvg(r: ConstructResult): string {
  const width = 860;
  const labelW = 300;
  const barMax = width - labelW - 190;
  const barH = 20;
  const gap = 6;
  const green = '#2b7a4b';
  const grey = '#8a8a8a';
  const red = '#c2562f';
  const amber = '#c9962b';
  const l = r.listener;
  const panels: { title: string; bars: Bar[]; goal: number; goalText: string }[] = [
    {
      title: `Pool build: ${r.units} units announce at once (seconds, lower is better)`,
      goal: r.goals.build.target,
      goalText: `goal < ${r.goals.build.target} s`,
      bars: [
        {
          label: 'announce (UDP, enquiry ×16, merge)',
          value: r.build.seconds,
          text: s2(r.build.seconds),
          color: green,
        },
        {
          label: 'baseline: polling loop, one by one',
          value: r.poll.seconds,
          text: `${s2(r.poll.seconds)} (poll ÷ announce ${r.ratios.pollOverAnnounce.toFixed(2)}×)`,
          color: grey,
        },
      ],
    },
    {
      title: 'Announce listener (packets per second, higher is better)',
      goal: r.goals.listener.target,
      goalText: `goal ≥ ${n0(r.goals.listener.target)}/s`,
      bars: [
        {
          label: 'UDP flood: heartbeats verified',
          value: l.udpAccepted.perSecond,
          text: `${n0(l.udpAccepted.perSecond)}/s (${n0(l.udpAccepted.drops)} dropped)`,
          color: green,
        },
        {
          label: 'UDP flood: bad signatures refused',
          value: l.udpRejected.perSecond,
          text: `${n0(l.udpRejected.perSecond)}/s (${n0(l.udpRejected.drops)} dropped)`,
          color: amber,
        },
        {
          label: 'baseline: bare UDP socket (counts only)',
          value: l.udpBare.perSecond,
          text: `${n0(l.udpBare.perSecond)}/s (full ÷ bare ${r.ratios.udpFullOverBare.toFixed(2)})`,
          color: grey,
        },
        {
          label: 'injectAnnounce: heartbeats (full checks)',
          value: l.injectAccepted.perSecond,
          text: `${n0(l.injectAccepted.perSecond)}/s`,
          color: green,
        },
        {
          label: 'injectAnnounce: bad signatures',
          value: l.injectRejected.perSecond,
          text: `${n0(l.injectRejected.perSecond)}/s`,
          color: amber,
        },
        {
          label: 'baseline: minimal verifier (JSON + HMAC)',
          value: l.minimalAccepted.perSecond,
          text: `${n0(l.minimalAccepted.perSecond)}/s (full ÷ minimal ${r.ratios.fullOverMinimal.toFixed(2)})`,
          color: grey,
        },
      ],
    },
    ...(l.udpPaced.length
      ? [
          {
            title: `UDP paced at a steady rate for ${r.pacedSeconds} s (heartbeats verified per second)`,
            goal: r.goals.listener.target,
            goalText: `goal ≥ ${n0(r.goals.listener.target)}/s`,
            bars: l.udpPaced.map((p) => ({
              label: `sent at ${n0(p.pacedAt ?? 0)}/s`,
              value: p.perSecond,
              text: `${n0(p.perSecond)}/s, ${n0(p.drops)} dropped`,
              color: p.drops === 0 ? green : red,
            })),
          },
        ]
      : []),
  ];
  const top = 52;
  const panelHeights = panels.map((p) => 44 + p.bars.length * (barH + gap) + 14);
  const height = top + panelHeights.reduce((a, b) => a + b, 0) + 38;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">Automatic construct: ${r.units} simulated units on one station</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${r.machine.cpus} CPUs, Node ${r.machine.node}, ${r.date.slice(0, 10)}; UDP on 127.0.0.1, ${r.senderSockets} sender sockets; agent latency ${r.agentLatencyMs} ms`)}</text>`,
  ];
  let y0 = top;
  panels.forEach((p, i) => {
    const max = Math.max(p.goal, ...p.bars.map((b) => b.value)) * 1.05;
    const gx = labelW + (p.goal / max) * barMax;
    out.push(`<text x="12" y="${y0 + 20}" font-weight="bold">${esc(p.title)}</text>`);
    p.bars.forEach((b, j) => {
      const y = y0 + 42 + j * (barH + gap);
      const w = Math.max(1, (b.value / max) * barMax);
      out.push(
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.color}"/>`,
        `<text x="${textX(labelW + w + 6, b.text, gx).toFixed(1)}" y="${y + 15}">${esc(b.text)}</text>`,
      );
    });
    const y1 = y0 + 30;
    const y2 = y0 + 42 + p.bars.length * (barH + gap);
    out.push(
      `<line x1="${gx.toFixed(1)}" y1="${y1}" x2="${gx.toFixed(1)}" y2="${y2}" stroke="#000" stroke-width="2" stroke-dasharray="4 3"/>`,
      `<text x="${(gx + 4).toFixed(1)}" y="${y1 + 6}" font-size="11" fill="#333">${esc(p.goalText)}</text>`,
    );
    y0 += panelHeights[i]!;
  });
  out.push(
    `<text x="12" y="${height - 24}" font-size="11" fill="#555">Dashed lines: the goals (every unit in the pool in under 10 s; listener ≥ 5,000 verified packets/s). Grey: baselines;</text>`,
    `<text x="12" y="${height - 10}" font-size="11" fill="#555">amber: forged packets refused; red: paced runs where the kernel dropped datagrams (receive buffer full). Floods always overflow it.</text>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}
