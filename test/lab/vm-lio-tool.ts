// Run inside a VM unit by test/lab/vm.test.ts (bundled with esbuild): the agent's own LIO code
// dumps the running configfs tree, clears it (targetctl clear) or restores saveconfig.json.
import { readFile } from 'node:fs/promises';
import { LioBackend, defaultSaveConfigPath } from '../../agents/targets/lio/index.js';

async function main(command: string | undefined): Promise<void> {
  const lio = new LioBackend({ backing: { fileDirs: [], blockDirs: ['/dev'] } });
  const file = await defaultSaveConfigPath();
  if (command === 'dump') process.stdout.write(JSON.stringify(await lio.dump()));
  else if (command === 'saved') process.stdout.write(await readFile(file, 'utf8'));
  else if (command === 'clear') await lio.clear();
  else if (command === 'restore')
    process.stdout.write(
      JSON.stringify(await lio.restore(JSON.parse(await readFile(file, 'utf8')))),
    );
  else throw new Error(`usage: vm-lio-tool dump|saved|clear|restore (got ${command})`);
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
