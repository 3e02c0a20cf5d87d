import { readFile } from 'node:fs/promises';
import { Client, type ConnectConfig } from 'ssh2';
import { DvsanError } from '../../protocol/index.js';
import { type Endpoint, sshConnectError } from './errors.js';
import { decideHostKey, sshFingerprint } from './fingerprint.js';

export type SshAuth =
  { kind: 'key'; keyPath: string } | { kind: 'agent' } | { kind: 'password'; password: string };

export interface ConnectOptions extends Endpoint {
  auth: SshAuth;
  /** The fingerprint the admin trusted, or null to record whatever the node presents. */
  trustedFingerprint: string | null;
  /** Whole connect budget, TCP + handshake + auth: an unreachable node fails well under 10 s. */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: string;
}

/** One live SSH connection to a node, with the host key it presented. */
export class SshSession {
  private closed = false;
  private constructor(
    readonly client: Client,
    readonly fingerprint: string,
  ) {
    client.on('close', () => (this.closed = true));
    client.on('end', () => (this.closed = true));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  static async connect(opts: ConnectOptions): Promise<SshSession> {
    const config = await authConfig(opts);
    const client = new Client();
    let presented: string | null = null;
    let refused: DvsanError | null = null;
    const timeoutMs = opts.timeoutMs ?? 8000;
    return new Promise<SshSession>((resolve, reject) => {
      const fail = (err: unknown) => {
        clearTimeout(timer);
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.destroy();
        reject(refused ?? sshConnectError(err, opts, opts.auth.kind));
      };
      // ssh2's readyTimeout does not cover every stall (e.g. a TCP connect that never
      // answers), so the whole attempt has its own bound.
      const timer = setTimeout(
        () => fail(Object.assign(new Error('timed out'), { level: 'client-timeout' })),
        timeoutMs,
      );
      client.once('error', fail);
      client.once('ready', () => {
        clearTimeout(timer);
        client.removeListener('error', fail);
        client.on('error', () => undefined);
        resolve(new SshSession(client, presented ?? ''));
      });
      try {
        client.connect({
          ...config,
          host: opts.address,
          port: opts.port,
          username: opts.user,
          readyTimeout: timeoutMs,
          keepaliveInterval: 15_000,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            presented = sshFingerprint(key);
            const decision = decideHostKey(opts.trustedFingerprint, presented);
            if (decision.action === 'refuse-changed') {
              refused = new DvsanError(
                'host-key-changed',
                `the host key of ${opts.address}:${opts.port} changed: dvsan trusted ${decision.expected} but the node now presents ${decision.presented}. ` +
                  'If the node was reinstalled, confirm the new key; otherwise someone may be intercepting the connection. Nothing was sent.',
                { expected: decision.expected, presented: decision.presented },
              );
              return false;
            }
            return true;
          },
        });
      } catch (err) {
        // ssh2 throws synchronously for keys it cannot parse (e.g. encrypted without a passphrase).
        fail(new DvsanError('key-file', `the key cannot be used: ${(err as Error).message}`));
      }
    });
  }

  /** Runs one command (argv already quoted by the caller) and collects its output. */
  exec(
    command: string,
    opts: { stdin?: Buffer | string; timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err)
          return reject(
            new DvsanError('ssh-unreachable', `the node refused to run a command: ${err.message}`),
          );
        const out: Buffer[] = [];
        let errText = '';
        const timer = opts.timeoutMs
          ? setTimeout(() => {
              stream.close();
              reject(
                new DvsanError(
                  'ssh-timeout',
                  `a command on the node did not finish in ${opts.timeoutMs} ms`,
                ),
              );
            }, opts.timeoutMs)
          : undefined;
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => {
          if (errText.length < 64 * 1024) errText += d.toString('utf8');
        });
        stream.on('close', (code: number | null, signal: string | null) => {
          clearTimeout(timer);
          resolve({
            code: code ?? null,
            signal: signal ?? null,
            stdout: Buffer.concat(out),
            stderr: errText,
          });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }
}

async function authConfig(opts: ConnectOptions): Promise<Partial<ConnectConfig>> {
  switch (opts.auth.kind) {
    case 'password':
      return { password: opts.auth.password, tryKeyboard: false };
    case 'agent': {
      const agent = process.env.SSH_AUTH_SOCK;
      if (!agent)
        throw new DvsanError(
          'key-file',
          'no ssh-agent is running for the station (SSH_AUTH_SOCK is not set): start one or use a key file.',
        );
      return { agent };
    }
    case 'key': {
      let privateKey: Buffer;
      try {
        privateKey = await readFile(opts.auth.keyPath);
      } catch (err) {
        throw new DvsanError(
          'key-file',
          `cannot read the key file ${opts.auth.keyPath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}. Give the path of a private key on the station.`,
        );
      }
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey.toString('utf8', 0, 200))) {
        throw new DvsanError(
          'key-file',
          `${opts.auth.keyPath} is not a private key file (expected "-----BEGIN ... PRIVATE KEY-----").`,
        );
      }
      return { privateKey };
    }
  }
}
