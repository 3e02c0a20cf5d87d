// A CPU profile of one cold render of the Volumes page and one filter, taken with the CDP
// Profiler, to see where the time goes when a goal is missed. Writes the .cpuprofile (open it
// in Chromium's DevTools) and returns the functions with the most self time.
import { writeFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { applyFilter, firstRender, preparePage } from './measure.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name, file, line), largest first, in ms. */
export function selfTimes(profile: Profile, top = 25): { fn: string; ms: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const file = f.url.split('/').pop() || '(native)';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals]
    .map(([fn, ms]) => ({ fn, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}

export async function profileRender(
  browser: Browser,
  url: string,
  query: { text: string; expect: string },
  file: string,
): Promise<{ render: { fn: string; ms: number }[]; filter: { fn: string; ms: number }[] }> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  try {
    const page = await preparePage(context);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await firstRender(page, url, 300_000);
    const render = (await cdp.send('Profiler.stop')).profile as unknown as Profile;
    await cdp.send('Profiler.start');
    await applyFilter(page, cdp, query.text, query.expect, 300_000);
    const filter = (await cdp.send('Profiler.stop')).profile as unknown as Profile;
    await writeFile(`${file}-render.cpuprofile`, JSON.stringify(render));
    await writeFile(`${file}-filter.cpuprofile`, JSON.stringify(filter));
    return { render: selfTimes(render), filter: selfTimes(filter) };
  } finally {
    await context.close();
  }
}
