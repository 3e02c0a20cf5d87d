// Run inside a VM host by test/lab/vm.test.ts (bundled with esbuild): the agent's md mirror code
// creates a RAID1 over two attached devices, checks it, or stops it.
import { readFile, realpath } from 'node:fs/promises';
import { toolRun } from '../../agents/initiators/command.js';
import { MdMirror } from '../../agents/initiators/mirror.js';

async function main([command, name, ...members]: string[]): Promise<void> {
  const mirror = new MdMirror(toolRun(process.env), {
    read: (file) => readFile(file, 'utf8').catch(() => null),
    realpath: (file) => realpath(file),
  });
  if (command === 'create') process.stdout.write(await mirror.create(name!, members));
  else if (command === 'check') process.stdout.write(JSON.stringify(await mirror.check(name!)));
  else if (command === 'stop') await mirror.stop(name!);
  else throw new Error(`usage: vm-md-tool create|check|stop NAME [DEV DEV] (got ${command})`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
