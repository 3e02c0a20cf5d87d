// Builds the agent bundle the way build/build.mjs ships it, for tests that run it as a real
// process. The file is named dvsan-agent.cjs, as on nodes: the daemon's pid check looks for it.
import path from 'node:path';
import { build } from 'esbuild';

export async function buildAgent(dir: string, version = '9.9.9'): Promise<string> {
  const outfile = path.join(dir, 'dvsan-agent.cjs');
  await build({
    entryPoints: ['agents/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    define: { __DVSAN_VERSION__: JSON.stringify(version) },
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
