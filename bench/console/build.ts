// Two console builds from the same sources: the product as it is, and the same console with
// the Volumes table's `virtual-scroll` taken out at build time (the product code stays as it
// is). The second goes into plain/ under the first, so one station serves both.
import { join } from 'node:path';
import { build, type Plugin } from 'vite';
import { projectRoot } from '../../station/paths.js';

/** Removes the one `virtual-scroll` attribute from VolumesPage.vue; fails if it is not there. */
function withoutVirtualScroll(): Plugin {
  let removed = 0;
  return {
    name: 'bench-console-plain-table',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/renderer/pages/volumes/VolumesPage.vue')) return null;
      const attribute = /^[ \t]*virtual-scroll[ \t]*\r?\n/gm;
      const found = code.match(attribute)?.length ?? 0;
      if (found !== 1)
        throw new Error(
          `VolumesPage.vue has ${found} lines reading "virtual-scroll" (expected 1): update bench/console/build.ts to how the page turns it on now`,
        );
      removed += 1;
      return code.replace(attribute, '');
    },
    buildEnd() {
      if (removed !== 1) this.error('VolumesPage.vue was not built: nothing was made plain');
    },
  };
}

/** Builds both into `outDir` (the product) and `outDir/plain`. */
export async function buildConsoles(outDir: string): Promise<{ virtual: string; plain: string }> {
  const configFile = join(projectRoot(), 'renderer', 'vite.config.ts');
  const common = { configFile, logLevel: 'warn' as const, mode: 'production' };
  await build({ ...common, build: { outDir, emptyOutDir: true } });
  const plain = join(outDir, 'plain');
  await build({
    ...common,
    plugins: [withoutVirtualScroll()],
    build: { outDir: plain, emptyOutDir: true },
  });
  return { virtual: outDir, plain };
}
