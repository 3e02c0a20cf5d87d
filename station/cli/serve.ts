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
    .option('--announce-port <port>', 'UDP port for node announces (0: any free port)', '7301')
    .option('--announce-listen <address>', 'address the announce listener binds', '0.0.0.0')
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
      const announcePort = Number(o.announcePort);
      if (!Number.isInteger(announcePort) || announcePort < 0 || announcePort > 65535) {
        throw new DvsanError('invalid-params', '--announce-port must be 0-65535');
      }
      let station;
      try {
        station = await createStation({
          dataDir,
          announce: { listen: { host: o.announceListen, port: announcePort } },
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new DvsanError(
            'conflict',
            `UDP port ${announcePort} is in use: is another station running? Use --announce-port to pick another.`,
          );
        }
        throw err;
      }
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
      if (station.announceAddress)
        console.log(
          `listening for node announces on UDP ${station.announceAddress.address}:${station.announceAddress.port}`,
        );
      const stop = async () => {
        await app.close();
        await station.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
