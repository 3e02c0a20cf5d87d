// Facts a benchmark records next to its numbers: tool versions and which agent bundle ran.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { projectRoot } from '../../station/paths.js';

/** A command's trimmed stdout, or '' when it fails (a version string is only informative). */
export const output = (cmd: string, argv: string[]) =>
  new Promise<string>((resolve) =>
    execFile(cmd, argv, { timeout: 10_000, cwd: projectRoot() }, (_e, out) =>
      resolve(String(out ?? '').trim()),
    ),
  );

export async function bundleInfo(
  bundlePath: string,
): Promise<{ sha256: string; builtAt: string; gitHead: string }> {
  const bytes = await readFile(bundlePath);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    builtAt: (await stat(bundlePath)).mtime.toISOString(),
    gitHead: await output('git', ['rev-parse', '--short', 'HEAD']),
  };
}
