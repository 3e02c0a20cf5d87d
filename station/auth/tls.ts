import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DvsanError } from '../../protocol/index.js';

const run = promisify(execFile);

export interface TlsFiles {
  cert: string;
  key: string;
  /** "SHA256:" and the certificate's SHA-256 in hex pairs, as browsers show it. */
  fingerprint: string;
  /** True when the station made the certificate itself. */
  generated: boolean;
}

export function certificateFingerprint(certPem: string): string {
  return `SHA256:${new X509Certificate(certPem).fingerprint256}`;
}

/** Accepts "SHA256:AB:CD…" or bare hex, any case, with or without colons. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return `SHA256:${hex.match(/../g)!.join(':')}`;
}

/**
 * The certificate the station serves: the admin's files when given, else one the station
 * made on its first TLS start and keeps (0600) in `<dataDir>/tls/`.
 */
export async function ensureCertificate(
  dataDir: string,
  given: { certFile?: string; keyFile?: string },
): Promise<TlsFiles> {
  if (given.certFile || given.keyFile) {
    if (!given.certFile || !given.keyFile)
      throw new DvsanError('invalid-params', 'give both --tls-cert and --tls-key');
    return load(given.certFile, given.keyFile, false);
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'station.crt');
  const keyFile = join(dir, 'station.key');
  try {
    return await load(certFile, keyFile, true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await generate(certFile, keyFile);
  return load(certFile, keyFile, true);
}

async function load(certFile: string, keyFile: string, generated: boolean): Promise<TlsFiles> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new DvsanError('invalid-params', `${certFile} is not a PEM certificate`);
  }
  let matches = false;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new DvsanError('invalid-params', `${keyFile} is not a PEM private key`);
  }
  if (!matches) throw new DvsanError('invalid-params', `${keyFile} is not the key of ${certFile}`);
  return { cert, key, fingerprint: certificateFingerprint(cert), generated };
}

/** A self-signed P-256 certificate, written under temporary names and renamed when whole. */
async function generate(certFile: string, keyFile: string): Promise<void> {
  const tmpCert = `${certFile}.tmp`;
  const tmpKey = `${keyFile}.tmp`;
  const names = ['DNS:localhost', `DNS:${hostname()}`, 'IP:127.0.0.1', 'IP:::1'];
  try {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        tmpKey,
        '-out',
        tmpCert,
        '-days',
        '825',
        '-subj',
        '/CN=dvsan station',
        '-addext',
        `subjectAltName=${names.join(',')}`,
      ],
      { timeout: 30_000 },
    );
    await chmod(tmpKey, 0o600);
    await chmod(tmpCert, 0o600);
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
  } catch (err) {
    await rm(tmpKey, { force: true });
    await rm(tmpCert, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DvsanError(
        'internal',
        'openssl is not installed: install it (apt-get install openssl) or give --tls-cert and --tls-key',
      );
    throw err;
  }
}
