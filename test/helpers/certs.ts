/**
 * Throw-away certificates for the NATS TLS suites, made with the system's `openssl` (CI installs
 * it: `.ci/run`): a CA, a server certificate for 127.0.0.1 / localhost signed by it, and a client
 * certificate signed by it. EC P-256 keys (fast to make), valid 2 days. Argv arrays only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCerts {
  /** The CA's certificate (what a client's NATS_TLS_CA points at). */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA, which signed nothing here: trusting it must not be enough. */
  otherCa: string;
}

/** `openssl` on PATH or in /usr/bin; `null` when there is none. */
export function opensslBinary(): string | null {
  for (const file of ['openssl', '/usr/bin/openssl']) {
    try {
      execFileSync(file, ['version'], { stdio: 'ignore' });
      return file;
    } catch { /* next */ }
  }
  return null;
}

export const NO_OPENSSL = 'openssl not found (CI installs it: apt-get install openssl)';

/** Makes the certificates in `dir` (which must exist). */
export function makeCerts(dir: string): TestCerts {
  const bin = opensslBinary();
  if (!bin) throw new Error(NO_OPENSSL);
  const f = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => run([
    'req', '-x509', ...key, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leaf = (name: string, ext: string) => {
    run(['req', ...key, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`]);
    fs.writeFileSync(f(`${name}.ext`), ext);
    run(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`)]);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key'), otherCa: f('other-ca.pem'),
  };
}
