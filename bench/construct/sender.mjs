// The construct benchmark's UDP sender, run as a worker thread so that sending and the station's
// listener use different CPUs and event loops, as units on their own machines would. Plain
// JavaScript: run-ts bundles only the entry, and a worker needs a file of its own.
//
// Messages in:  { type: 'init', host, port, sockets }
//               { type: 'send', bytes: Uint8Array, offsets: Uint32Array, rate, burst, port? }
//               { type: 'close' }
// Messages out: { type: 'ready' } | { type: 'sent', firstAt, lastAt, sent, errors } | { type: 'error', message }
// Times are epoch milliseconds (performance.timeOrigin + performance.now()), comparable across
// threads.
import { createSocket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';

const now = () => performance.timeOrigin + performance.now();
/** @type {import('node:dgram').Socket[]} */
let sockets = [];
let target = { host: '127.0.0.1', port: 0 };

async function init(msg) {
  target = { host: msg.host, port: msg.port };
  sockets = await Promise.all(
    Array.from(
      { length: msg.sockets },
      () =>
        new Promise((resolve, reject) => {
          const s = createSocket('udp4');
          s.once('error', reject);
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  for (const s of sockets) s.on('error', () => undefined);
}

/**
 * Sends every datagram, round robin over the sockets. rate 0: as fast as the sockets take
 * them. rate > 0: paced, `burst` datagrams at a time, so that `rate` per second go out on
 * average (small bursts every few ms, not one every 1/rate s: timers are not that fine).
 */
async function send(msg) {
  const { bytes, offsets, rate, burst } = msg;
  const port = msg.port ?? target.port;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = offsets.length - 1;
  let errors = 0;
  let pending = 0;
  let sent = 0;
  let resolveDrained = () => undefined;
  const drained = new Promise((r) => (resolveDrained = r));
  const done = (err) => {
    if (err) errors++;
    if (--pending === 0 && sent === count) resolveDrained();
  };
  const one = (i) => {
    pending++;
    sockets[i % sockets.length].send(
      buf,
      offsets[i],
      offsets[i + 1] - offsets[i],
      port,
      target.host,
      done,
    );
  };
  const firstAt = now();
  if (rate <= 0) {
    for (; sent < count; sent++) one(sent);
  } else {
    while (sent < count) {
      const due = Math.min(count, Math.floor(((now() - firstAt) / 1000) * rate) + burst);
      for (; sent < due; sent++) one(sent);
      if (sent < count) await new Promise((r) => setTimeout(r, 1));
    }
  }
  const lastAt = now();
  if (pending > 0) await drained;
  return { type: 'sent', firstAt, lastAt, sent, errors };
}

parentPort.on('message', (msg) => {
  const work =
    msg.type === 'init'
      ? init(msg).then(() => ({ type: 'ready' }))
      : msg.type === 'send'
        ? send(msg)
        : Promise.all(sockets.map((s) => new Promise((r) => s.close(r)))).then(() => {
            parentPort.close();
            return null;
          });
  work.then(
    (reply) => reply && parentPort.postMessage(reply),
    (err) => parentPort.postMessage({ type: 'error', message: String(err?.stack ?? err) }),
  );
});
