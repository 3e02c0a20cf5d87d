import type { Command } from 'commander';
import { DvsanError } from '../../protocol/index.js';
import { ensureCertificate, type TlsFiles } from '../auth/index.js';
import { createStation } from '../index.js';
import { rendererDir } from '../paths.js';
import { startServer } from '../server/http.js';
import { isLoopback } from '../server/same-site.js';
import type { GlobalOptions } from './client.js';

export function registerServeCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('run the station and serve the console')
    .option('--listen <address>', 'address to listen on (not loopback: login and TLS)', '127.0.0.1')
    .option('--port <port>', 'port', '7300')
    .option('--announce-port <port>', 'UDP port for node announces (0: any free port)', '7301')
    .option('--announce-listen <address>', 'address the announce listener binds', '0.0.0.0')
    .option('--require-login', 'ask for a login on loopback too')
    .option('--tls', 'serve HTTPS on loopback too')
    .option('--no-tls', 'serve plain HTTP (loopback only)')
    .option('--tls-cert <file>', 'PEM certificate to serve (default: one the station makes)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .action(async (o) => {
      // Beyond this machine every console signs in, over TLS: a password must never cross
      // the network in clear.
      const local = isLoopback(o.listen);
      const requireLogin = !local || o.requireLogin === true;
      const certGiven = Boolean(o.tlsCert || o.tlsKey);
      if (o.tls === false && (!local || certGiven)) {
        throw new DvsanError(
          'invalid-params',
          `listening on ${o.listen} needs TLS: drop --no-tls to use a certificate the station makes itself, or give yours with --tls-cert FILE --tls-key FILE`,
        );
      }
      const useTls = !local || o.tls === true || certGiven;
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new DvsanError('invalid-params', '--port must be 1-65535');
      const { dataDir } = globals();
      const announcePort = Number(o.announcePort);
      if (!Number.isInteger(announcePort) || announcePort < 0 || announcePort > 65535) {
        throw new DvsanError('invalid-params', '--announce-port must be 0-65535');
      }
      const tls: TlsFiles | null = useTls
        ? await ensureCertificate(dataDir, { certFile: o.tlsCert, keyFile: o.tlsKey })
        : null;
      let station;
      try {
        station = await createStation({
          dataDir,
          announce: { listen: { host: o.announceListen, port: announcePort } },
          tlsFingerprint: tls?.fingerprint,
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
      if (requireLogin && (await station.auth.users.count()) === 0) {
        await station.close();
        throw new DvsanError(
          'conflict',
          'this station asks for a login but has no users yet: create the first admin with `dvsan user add NAME --role admin` (it asks for the password, or reads DVSAN_PASSWORD), then start it again',
        );
      }
      let app;
      try {
        app = await startServer(station.transport, {
          host: o.listen,
          port,
          rendererDir: rendererDir(),
          login: requireLogin ? station.auth : null,
          tls,
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
      console.log(
        `dvsan station ready; console at ${tls ? 'https' : 'http'}://${host}:${port}  (data in ${dataDir})`,
      );
      if (tls)
        console.log(
          `TLS certificate ${tls.generated ? '(made by the station) ' : ''}fingerprint ${tls.fingerprint}`,
        );
      if (requireLogin) console.log('login required: consoles and remote commands sign in');
      const sweep = setInterval(
        () => void station.auth.sessions.sweep().catch(() => undefined),
        3_600_000,
      );
      sweep.unref();
      if (station.announceAddress)
        console.log(
          `listening for node announces on UDP ${station.announceAddress.address}:${station.announceAddress.port}`,
        );
      const stop = async () => {
        clearInterval(sweep);
        await app.close();
        await station.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
