import type { Command } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import { createStation } from '../index.js';
import { rendererDir } from '../paths.js';
import { startServer } from '../server/http.js';
import type { GlobalOptions } from './client.js';

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServeCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('run the station and serve the console')
    .option('--listen <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port', '7300')
    .action(async (o) => {
      if (!loopback.has(o.listen)) {
        // Remote consoles need logins, roles and TLS; until then the station stays local.
        throw new DvsanError(
          'forbidden',
          `listening on ${o.listen} would expose the station without a login: listen on 127.0.0.1 and reach it through an SSH tunnel (ssh -L 7300:127.0.0.1:7300 station).`,
        );
      }
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new DvsanError('invalid-params', '--port must be 1-65535');
      const { dataDir } = globals();
      const station = await createStation({ dataDir });
      let app;
      try {
        app = await startServer(station.transport, {
          host: o.listen,
          port,
          rendererDir: rendererDir(),
        });
      } catch (err) {
        await station.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new DvsanError(
            'conflict',
            `port ${port} is in use: is another station running? Use --port to pick another.`,
          );
        throw err;
      }
      const host = o.listen.includes(':') ? `[${o.listen}]` : o.listen;
      console.log(`dvsan station ready; console at http://${host}:${port}  (data in ${dataDir})`);
      const stop = async () => {
        await app.close();
        await station.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
