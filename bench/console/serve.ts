// The station the console benchmark loads: the real core and web server, as `dvsan serve`
// runs them on loopback, but serving a console build of the benchmark's own (the shared
// dist/renderer changes under other people's builds). Run as a child process, so the
// browser's load and the benchmark's bookkeeping do not share its event loop.
// Usage: node build/run-ts.mjs bench/console/serve.ts DATA_DIR WWW_DIR PORT
import { resolve } from 'node:path';
import { createStation } from '../../station/index.js';
import { createLogger } from '../../station/log.js';
import { startServer } from '../../station/server/http.js';

const [dataArg, wwwArg, portText] = process.argv.slice(2);
const port = Number(portText);
if (!dataArg || !wwwArg || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: serve.ts DATA_DIR WWW_DIR PORT (1-65535)');
  process.exit(2);
}
// The static file server takes absolute paths only.
const [dataDir, rendererDir] = [resolve(dataArg), resolve(wwwArg)];
const station = await createStation({
  dataDir,
  log: createLogger('warn'),
  // No announces come in this benchmark; port 0 keeps clear of a station already running.
  announce: { listen: { host: '127.0.0.1', port: 0 } },
});
const app = await startServer(station.transport, { host: '127.0.0.1', port, rendererDir });
console.log(`console at http://127.0.0.1:${port}`);
const stop = async () => {
  await app.close();
  await station.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
