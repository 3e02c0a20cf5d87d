// Checks electron-builder.yml offline: against electron-builder's own JSON schema (the same
// ajv options its schemaValidator uses), through electron-builder's own validateConfiguration,
// and for what dvsan needs in a package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const require = createRequire(join(root, 'package.json'));
const schemePath = join(root, 'node_modules', 'app-builder-lib', 'scheme.json');

type Config = Record<string, unknown>;
const loadConfig = (): Config =>
  parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Config;

// electron-builder compiles scheme.json with these options (app-builder-lib's
// util/config/schemaValidator): draft-07, non-strict schema keywords, type coercion. The
// schema uses no `format`s, so no format plugin is needed.
const ajv = new Ajv({ allErrors: true, verbose: true, coerceTypes: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemePath, 'utf8')) as object);

/** Validates a deep copy: coerceTypes rewrites the data it checks. */
function schemaErrors(config: Config): string[] {
  if (validate(structuredClone(config))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** electron-builder's own check, as `electron-builder` runs it before building. */
async function builderValidates(config: Config): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(config: Config, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as {
    DebugLogger: new (enabled: boolean) => unknown;
  };
  await validateConfiguration(structuredClone(config), new DebugLogger(false));
}

function targetsOf(config: Config, platform: string): string[] {
  const section = config[platform] as { target?: unknown } | undefined;
  const target = section?.target;
  const list = Array.isArray(target) ? target : target === undefined ? [] : [target];
  return list.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target));
}

describe('electron-builder.yml', () => {
  it('matches electron-builder’s JSON schema', () => {
    expect(schemaErrors(loadConfig())).toEqual([]);
  });

  it('passes electron-builder’s own validateConfiguration', async () => {
    await expect(builderValidates(loadConfig())).resolves.toBeUndefined();
  });

  it.each<[string, (c: Config) => void]>([
    ['an unknown top-level key', (c) => (c.productNmae = 'dvsan')],
    ['directories as a string', (c) => (c.directories = 'dist/packages')],
    ['asar as a word', (c) => (c.asar = 'sometimes')],
    ['an unknown linux option', (c) => ((c.linux as Config).maintaner = 'x')],
    ['a target without a name', (c) => ((c.win as Config).target = [{ arch: 'x64' }])],
  ])('rejects a broken copy: %s', async (_label, breakIt) => {
    const broken = loadConfig();
    breakIt(broken);
    expect(schemaErrors(broken)).not.toEqual([]);
    await expect(builderValidates(broken)).rejects.toThrow(/does not match the API schema/);
  });

  it('names the app and puts packages in dist/packages', () => {
    const config = loadConfig();
    expect(config.appId).toBe('io.dvsan.station');
    expect(config.productName).toBe('dvsan');
    expect(config.directories).toMatchObject({ output: 'dist/packages' });
  });

  it('builds AppImage + deb on Linux, NSIS on Windows, DMG on macOS', () => {
    const config = loadConfig();
    expect(targetsOf(config, 'linux').sort()).toEqual(['AppImage', 'deb']);
    expect(targetsOf(config, 'win')).toEqual(['nsis']);
    expect(targetsOf(config, 'mac')).toEqual(['dmg']);
    expect(config.linux).toMatchObject({
      category: 'System',
      maintainer: expect.stringMatching(/<.+@.+>/),
    });
    expect((config.linux as Config).synopsis).toEqual(expect.any(String));
    expect(config.mac).toMatchObject({ category: 'public.app-category.utilities' });
  });

  it('packages the shell, console, station and agent bundles and starts the bundled main', () => {
    const config = loadConfig();
    expect(config.files).toEqual(
      expect.arrayContaining([
        'dist/electron/**',
        'dist/renderer/**',
        'dist/station/**',
        'dist/agent/**',
        'package.json',
      ]),
    );
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(config.extraMetadata).toMatchObject({ main: 'dist/electron/main.cjs' });
    expect(pkg.main).toBe('dist/electron/main.cjs');
  });

  it('keeps sqlite3 and the agent bundle out of the asar archive', () => {
    const unpack = loadConfig().asarUnpack as string[];
    expect(unpack).toEqual(expect.arrayContaining(['**/node_modules/sqlite3/**', 'dist/agent/**']));
  });
});
