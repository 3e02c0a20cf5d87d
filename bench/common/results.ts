import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../station/paths.js';

/**
 * Every benchmark keeps its raw numbers the same way: `artifacts/bench/<name>.json` (the
 * latest) plus one timestamped copy per run; its plot goes to `docs/images/bench-<name>.svg`.
 */
export async function saveResult(name: string, result: { date: string }): Promise<string> {
  const dir = join(projectRoot(), 'artifacts', 'bench');
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(result, null, 2) + '\n';
  await writeFile(join(dir, `${name}.json`), json);
  await writeFile(join(dir, `${name}-${result.date.replace(/[:.]/g, '-')}.json`), json);
  return join(dir, `${name}.json`);
}

export async function savePlot(name: string, svg: string): Promise<string> {
  const dir = join(projectRoot(), 'docs', 'images');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `bench-${name}.svg`);
  await writeFile(file, svg);
  return file;
}
