#!/usr/bin/env node
// Generates the test PKI used by the interop tests, using the `openssl` CLI.
//
//   node scripts/gen-test-certs.mjs [outDir] [--force] [--quiet]
//
// Default outDir: test/fixtures/generated (gitignored). Idempotent: when
// outDir/manifest.json matches this script (same content hash), every file is
// present and no certificate expires soon, nothing is regenerated.
//
// Library use:
//   import { generateTestCerts } from './scripts/gen-test-certs.mjs';
//   const { dir, generated, manifest } = await generateTestCerts({ dir });
//
// Files written, for every entity NAME listed in ENTITIES below:
//   NAME.key.pem            private key, PKCS#8 PEM ("BEGIN PRIVATE KEY")
//   NAME.cert.pem           the certificate alone
// and additionally for server leaves:
//   NAME.chain.pem          leaf + intermediate(s): Node `tls.createServer({ cert })`,
//                           or `openssl s_server -cert NAME.chain.pem` (first cert only)
//   NAME.intermediates.pem  the certificates after the leaf: `s_server -cert_chain`
// plus the bundle trusted-roots.pem (root + rsa-root + ecdsa-root) and manifest.json.

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT_PATH = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT_PATH), '..');

export const DEFAULT_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'generated');
export const MANIFEST_NAME = 'manifest.json';
/** Bump when the output layout changes (the script hash also forces regeneration). */
export const GENERATOR_VERSION = 1;

const LOCALHOST_SAN = 'DNS:localhost,IP:127.0.0.1,IP:::1';
const DAY = 24 * 60 * 60 * 1000;
/** Regenerate when a certificate that should be valid expires within this margin. */
const EXPIRY_MARGIN_MS = 30 * DAY;

/**
 * The PKI. `issuer` null = self-signed. `md` = digest the issuer signs with
 * (omitted for Ed25519 issuers; none here). `profile` selects the extension section.
 * `validity`: { days } or fixed { start, end } (YYYYMMDDHHMMSSZ, via `openssl ca`).
 */
export const ENTITIES = [
  // Main PKI: ECDSA P-256 root -> P-256 intermediate -> one leaf per key type.
  { name: 'root', key: 'p256', cn: 'puretls test root', issuer: null, profile: 'root', md: 'sha256', validity: { days: 3650 } },
  { name: 'intermediate', key: 'p256', cn: 'puretls test intermediate', issuer: 'root', profile: 'intermediate', md: 'sha256', validity: { days: 3650 } },
  { name: 'server-p256', key: 'p256', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  { name: 'server-p384', key: 'p384', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  { name: 'server-rsa2048', key: 'rsa2048', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  { name: 'server-ed25519', key: 'ed25519', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  // Time-invalid leaves under the trusted intermediate (only the dates are wrong).
  { name: 'server-expired', key: 'p256', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { start: '20200101000000Z', end: '20210101000000Z' } },
  { name: 'server-not-yet-valid', key: 'p256', cn: 'localhost', issuer: 'intermediate', profile: 'server', md: 'sha256', validity: { start: '20900101000000Z', end: '20910101000000Z' } },
  // All-RSA chain.
  { name: 'rsa-root', key: 'rsa2048', cn: 'puretls test RSA root', issuer: null, profile: 'root', md: 'sha256', validity: { days: 3650 } },
  { name: 'rsa-intermediate', key: 'rsa2048', cn: 'puretls test RSA intermediate', issuer: 'rsa-root', profile: 'intermediate', md: 'sha256', validity: { days: 3650 } },
  { name: 'server-rsa-chain', key: 'rsa2048', cn: 'localhost', issuer: 'rsa-intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  // Mixed ECDSA chain: P-384 root (sha384) -> P-256 intermediate -> P-256 leaf.
  { name: 'ecdsa-root', key: 'p384', cn: 'puretls test ECDSA P-384 root', issuer: null, profile: 'root', md: 'sha384', validity: { days: 3650 } },
  { name: 'ecdsa-intermediate', key: 'p256', cn: 'puretls test ECDSA P-256 intermediate', issuer: 'ecdsa-root', profile: 'intermediate', md: 'sha384', validity: { days: 3650 } },
  { name: 'server-ecdsa-chain', key: 'p256', cn: 'localhost', issuer: 'ecdsa-intermediate', profile: 'server', md: 'sha256', validity: { days: 825 } },
  // Unrelated root (never in trusted-roots.pem) and a leaf it signs directly.
  { name: 'untrusted-root', key: 'p256', cn: 'puretls untrusted root', issuer: null, profile: 'root', md: 'sha256', validity: { days: 3650 } },
  { name: 'server-untrusted', key: 'p256', cn: 'localhost', issuer: 'untrusted-root', profile: 'server', md: 'sha256', validity: { days: 825 } },
  // Client CA (self-signed) and client certificates for mTLS.
  { name: 'client-ca', key: 'p256', cn: 'puretls test client CA', issuer: null, profile: 'root', md: 'sha256', validity: { days: 3650 } },
  { name: 'client-p256', key: 'p256', cn: 'puretls test client p256', issuer: 'client-ca', profile: 'client', md: 'sha256', validity: { days: 825 } },
  { name: 'client-p384', key: 'p384', cn: 'puretls test client p384', issuer: 'client-ca', profile: 'client', md: 'sha256', validity: { days: 825 } },
  { name: 'client-ed25519', key: 'ed25519', cn: 'puretls test client ed25519', issuer: 'client-ca', profile: 'client', md: 'sha256', validity: { days: 825 } },
  { name: 'client-rsa2048', key: 'rsa2048', cn: 'puretls test client rsa2048', issuer: 'client-ca', profile: 'client', md: 'sha256', validity: { days: 825 } },
];

/** Roots the interop tests trust (concatenated into trusted-roots.pem). */
export const TRUSTED_ROOTS = ['root', 'rsa-root', 'ecdsa-root'];

/**
 * Server leaves whose chain.pem also carries their (self-signed) issuer, the
 * way a misconfigured server sends its own root; otherwise chain = leaf only.
 */
const CHAIN_INCLUDES_ROOT = new Set(['server-untrusted']);

const KEY_ARGS = {
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-pkeyopt', 'ec_param_enc:named_curve'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-pkeyopt', 'ec_param_enc:named_curve'],
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ed25519: ['-algorithm', 'ED25519'],
};

const OPENSSL_CNF = `# generated by scripts/gen-test-certs.mjs
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused

[ca]
default_ca = ca_fixed
[ca_fixed]
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
commonName = supplied
organizationName = optional

[root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[intermediate]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[server]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${LOCALHOST_SAN}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[client]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

// ---------------------------------------------------------------------------

let scriptHashCache;
function scriptHash() {
  scriptHashCache ??= createHash('sha256').update(fs.readFileSync(SCRIPT_PATH)).digest('hex');
  return scriptHashCache;
}

/** Expected file names (relative to the output dir). */
export function expectedFiles() {
  const files = ['trusted-roots.pem'];
  for (const e of ENTITIES) {
    files.push(`${e.name}.key.pem`, `${e.name}.cert.pem`);
    if (e.profile === 'server') files.push(`${e.name}.chain.pem`, `${e.name}.intermediates.pem`);
  }
  return files;
}

function createLimiter(max) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= max || queue.length === 0) return;
    active++;
    const { fn, resolve, reject } = queue.shift();
    fn().then(resolve, reject).finally(() => {
      active--;
      next();
    });
  };
  return (fn) =>
    new Promise((resolve, reject) => {
      queue.push({ fn, resolve, reject });
      next();
    });
}

function makeOpenssl(cwd, limit) {
  return (args) =>
    limit(
      () =>
        new Promise((resolve, reject) => {
          execFile(
            process.env.OPENSSL ?? 'openssl',
            args,
            { cwd, env: { ...process.env, OPENSSL_CONF: path.join(cwd, 'openssl.cnf') }, maxBuffer: 16 << 20 },
            (err, stdout, stderr) => {
              if (err) {
                const cmd = ['openssl', ...args].join(' ');
                reject(new Error(`${cmd} failed (${err.code ?? err.signal}):\n${stderr || stdout}`));
              } else resolve(stdout);
            },
          );
        }),
    );
}

/** Validate an existing output dir. Returns the manifest or null (with reason). */
export function checkManifest(dir = DEFAULT_DIR) {
  const mpath = path.join(dir, MANIFEST_NAME);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(mpath, 'utf8'));
  } catch {
    return { ok: false, reason: 'no manifest' };
  }
  if (manifest.version !== GENERATOR_VERSION || manifest.scriptHash !== scriptHash()) {
    return { ok: false, reason: 'generator changed' };
  }
  for (const f of expectedFiles()) {
    if (!fs.existsSync(path.join(dir, f))) return { ok: false, reason: `missing ${f}` };
  }
  const now = Date.now();
  for (const e of ENTITIES) {
    if (e.validity.days === undefined) continue;
    const info = manifest.entities?.[e.name];
    if (!info || Date.parse(info.notAfter) - now < EXPIRY_MARGIN_MS) {
      return { ok: false, reason: `${e.name} expires soon` };
    }
  }
  return { ok: true, manifest };
}

async function acquireLock(lockDir, timeoutMs = 120_000) {
  const start = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    // Break stale locks: owner dead, or lock older than 2 minutes.
    let stale = false;
    try {
      const st = fs.statSync(lockDir);
      if (Date.now() - st.mtimeMs > 120_000) stale = true;
      const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      if (pid > 0) {
        try {
          process.kill(pid, 0);
        } catch (e) {
          if (e.code === 'ESRCH') stale = true;
        }
      }
    } catch {
      // lock vanished or pid not yet written; retry
    }
    if (stale) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${lockDir}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function serialArg() {
  // Positive 63-bit serial.
  const b = randomBytes(8);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return '0x' + b.toString('hex');
}

function pemCerts(text) {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

async function generateInto(work, log) {
  const limit = createLimiter(Math.max(2, Math.min(8, os.availableParallelism?.() ?? 2) * 2));
  const openssl = makeOpenssl(work, limit);
  await fsp.writeFile(path.join(work, 'openssl.cnf'), OPENSSL_CNF);
  const byName = new Map(ENTITIES.map((e) => [e.name, e]));

  const keys = new Map();
  const keyOf = (e) => {
    if (!keys.has(e.name)) {
      keys.set(
        e.name,
        openssl(['genpkey', ...KEY_ARGS[e.key], '-out', `${e.name}.key.pem`]).then(() => `${e.name}.key.pem`),
      );
    }
    return keys.get(e.name);
  };

  const certs = new Map();
  const certOf = (e) => {
    if (!certs.has(e.name)) certs.set(e.name, issue(e));
    return certs.get(e.name);
  };

  let caSeq = 0;
  async function issue(e) {
    const keyFile = await keyOf(e);
    const certFile = `${e.name}.cert.pem`;
    const subj = e.profile === 'server' ? `/O=puretls test/CN=${e.cn}` : `/CN=${e.cn}`;
    if (e.issuer === null) {
      await openssl([
        'req', '-x509', '-new', '-key', keyFile, '-subj', subj, `-${e.md}`,
        '-days', String(e.validity.days), '-set_serial', serialArg(),
        '-extensions', e.profile, '-out', certFile,
      ]);
      return certFile;
    }
    const issuer = byName.get(e.issuer);
    if (!issuer) throw new Error(`unknown issuer ${e.issuer}`);
    const [issuerCert, issuerKey] = await Promise.all([certOf(issuer), keyOf(issuer)]);
    const csr = `${e.name}.csr`;
    await openssl(['req', '-new', '-key', keyFile, '-subj', subj, '-out', csr]);
    if (e.validity.days !== undefined) {
      await openssl([
        'x509', '-req', '-in', csr, '-CA', issuerCert, '-CAkey', issuerKey, `-${e.md}`,
        '-days', String(e.validity.days), '-set_serial', serialArg(),
        '-extfile', 'openssl.cnf', '-extensions', e.profile, '-out', certFile,
      ]);
    } else {
      // Fixed dates (past or future): `openssl x509` in 3.0 only has -days, so use `openssl ca`.
      const caDir = `ca-${caSeq++}`;
      await fsp.mkdir(path.join(work, caDir, 'newcerts'), { recursive: true });
      await fsp.writeFile(path.join(work, caDir, 'index.txt'), '');
      await fsp.writeFile(path.join(work, caDir, 'openssl.cnf'), OPENSSL_CNF);
      const up = (f) => path.join('..', f);
      await limit(
        () =>
          new Promise((resolve, reject) =>
            execFile(
              process.env.OPENSSL ?? 'openssl',
              [
                'ca', '-batch', '-config', 'openssl.cnf', '-notext', '-preserveDN',
                '-in', up(csr), '-out', up(certFile), '-cert', up(issuerCert), '-keyfile', up(issuerKey),
                '-md', e.md, '-rand_serial', '-startdate', e.validity.start, '-enddate', e.validity.end,
                '-extfile', 'openssl.cnf', '-extensions', e.profile,
              ],
              { cwd: path.join(work, caDir), env: { ...process.env, OPENSSL_CONF: 'openssl.cnf' } },
              (err, stdout, stderr) =>
                err ? reject(new Error(`openssl ca for ${e.name} failed:\n${stderr || stdout}`)) : resolve(undefined),
            ),
          ),
      );
    }
    return certFile;
  }

  // Start every key at once (bounded by the limiter), then every certificate.
  await Promise.all(ENTITIES.map(keyOf));
  await Promise.all(ENTITIES.map(certOf));

  const read = (f) => fsp.readFile(path.join(work, f), 'utf8');
  const entities = {};
  for (const e of ENTITIES) {
    const leafPem = pemCerts(await read(`${e.name}.cert.pem`));
    if (leafPem.length !== 1) throw new Error(`${e.name}.cert.pem: expected one certificate`);
    const info = await openssl([
      'x509', '-in', `${e.name}.cert.pem`, '-noout', '-subject', '-issuer', '-startdate', '-enddate',
      '-fingerprint', '-sha256', '-nameopt', 'RFC2253',
    ]);
    const field = (k) => (info.match(new RegExp(`^${k}=(.*)$`, 'm')) ?? [])[1]?.trim();
    const meta = {
      cert: `${e.name}.cert.pem`,
      key: `${e.name}.key.pem`,
      keyType: e.key,
      profile: e.profile,
      issuer: e.issuer,
      subject: field('subject'),
      issuerName: field('issuer'),
      notBefore: new Date(field('notBefore')).toISOString(),
      notAfter: new Date(field('notAfter')).toISOString(),
      sha256: field('sha256 Fingerprint') ?? field('SHA256 Fingerprint'),
    };
    if (e.profile === 'server') {
      const chain = [];
      for (let p = byName.get(e.issuer); p; p = p.issuer ? byName.get(p.issuer) : undefined) {
        if (p.issuer === null && !CHAIN_INCLUDES_ROOT.has(e.name)) break;
        chain.push(pemCerts(await read(`${p.name}.cert.pem`))[0]);
        if (p.issuer === null) break;
      }
      await fsp.writeFile(path.join(work, `${e.name}.chain.pem`), leafPem[0] + chain.join(''));
      await fsp.writeFile(path.join(work, `${e.name}.intermediates.pem`), chain.join(''));
      meta.chain = `${e.name}.chain.pem`;
      meta.intermediates = `${e.name}.intermediates.pem`;
      meta.chainLength = 1 + chain.length;
    }
    entities[e.name] = meta;
  }
  let bundle = '';
  for (const r of TRUSTED_ROOTS) bundle += pemCerts(await read(`${r}.cert.pem`))[0];
  await fsp.writeFile(path.join(work, 'trusted-roots.pem'), bundle);
  log?.(`generated ${ENTITIES.length} certificates`);
  return entities;
}

/**
 * Generate the test PKI into `dir` unless an up-to-date manifest is present.
 * Safe to call concurrently from several processes (directory lock).
 * @param {{ dir?: string, force?: boolean, log?: (msg: string) => void }} [options]
 * @returns {Promise<{ dir: string, generated: boolean, manifest: any, ms: number }>}
 */
export async function generateTestCerts(options = {}) {
  const started = performance.now();
  const dir = path.resolve(options.dir ?? process.env.PURETLS_FIXTURES_DIR ?? DEFAULT_DIR);
  const log = options.log;
  if (!options.force) {
    const c = checkManifest(dir);
    if (c.ok) return { dir, generated: false, manifest: c.manifest, ms: performance.now() - started };
  }
  await fsp.mkdir(dir, { recursive: true });
  const release = await acquireLock(path.join(dir, '.lock'));
  try {
    if (!options.force) {
      const c = checkManifest(dir); // someone else may have generated it meanwhile
      if (c.ok) return { dir, generated: false, manifest: c.manifest, ms: performance.now() - started };
      log?.(`regenerating test certificates in ${dir} (${c.reason})`);
    }
    const work = await fsp.mkdtemp(path.join(dir, '.work-'));
    try {
      const entities = await generateInto(work, log);
      await fsp.rm(path.join(dir, MANIFEST_NAME), { force: true });
      for (const f of expectedFiles()) await fsp.rename(path.join(work, f), path.join(dir, f));
      const manifest = {
        version: GENERATOR_VERSION,
        scriptHash: scriptHash(),
        createdAt: new Date().toISOString(),
        opensslVersion: (await makeOpenssl(work, (fn) => fn())(['version'])).trim(),
        trustedRoots: 'trusted-roots.pem',
        entities,
      };
      const tmp = path.join(dir, `${MANIFEST_NAME}.${process.pid}.tmp`);
      await fsp.writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n');
      await fsp.rename(tmp, path.join(dir, MANIFEST_NAME));
      return { dir, generated: true, manifest, ms: performance.now() - started };
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

const invokedDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  const dirArg = args.find((a) => !a.startsWith('--'));
  generateTestCerts({ dir: dirArg, force: args.includes('--force'), log: quiet ? undefined : console.error }).then(
    (r) => {
      if (!quiet) {
        console.error(`${r.generated ? 'generated' : 'up to date'}: ${r.dir} (${Math.round(r.ms)} ms)`);
      }
    },
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
