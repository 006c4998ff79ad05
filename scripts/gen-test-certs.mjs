#!/usr/bin/env node
// Generates the test PKI used by the interop tests with @peculiar/x509 (keys and
// signatures from WebCrypto), so that it needs no `openssl` CLI.
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

// @peculiar/x509's classes need a Reflect metadata polyfill: fine for a script,
// which owns its process (library code in src/ never loads it; see README).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT_PATH = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT_PATH), '..');

export const DEFAULT_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'generated');
export const MANIFEST_NAME = 'manifest.json';
/** Bump when the output layout changes (the script hash also forces regeneration). */
export const GENERATOR_VERSION = 2;

/** subjectAltName of every server leaf. */
const LOCALHOST_SAN = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
];
const DAY = 24 * 60 * 60 * 1000;
/** Regenerate when a certificate that should be valid expires within this margin. */
const EXPIRY_MARGIN_MS = 30 * DAY;

/**
 * The PKI. `issuer` null = self-signed. `md` = digest the issuer signs with
 * (omitted for Ed25519 issuers; none here). `profile` selects the extension section.
 * `validity`: { days } from now, or fixed { start, end } (YYYYMMDDHHMMSSZ, UTC).
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

x509.cryptoProvider.set(webcrypto);
const subtle = webcrypto.subtle;

/** WebCrypto key generation per key type. */
const KEY_ALGORITHMS = {
  p256: { name: 'ECDSA', namedCurve: 'P-256' },
  p384: { name: 'ECDSA', namedCurve: 'P-384' },
  rsa2048: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  ed25519: { name: 'Ed25519' },
};

/** The signature an issuer of key type `key` makes with digest `md` (RFC 5758, RFC 4055, RFC 8410). */
function signingAlgorithm(key, md) {
  const hash = md === 'sha384' ? 'SHA-384' : 'SHA-256';
  if (key === 'ed25519') return { name: 'Ed25519' };
  if (key === 'rsa2048') return { name: 'RSASSA-PKCS1-v1_5', hash };
  return { name: 'ECDSA', hash };
}

const KU = x509.KeyUsageFlags;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Extensions per profile, in the order OpenSSL wrote them before: basic
 * constraints and key usage critical, then EKU, SAN, SKI and AKI (key id).
 */
async function extensionsFor(profile, publicKey, issuerSki) {
  const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey);
  const aki = issuerSki ? [new x509.AuthorityKeyIdentifierExtension(issuerSki)] : [];
  switch (profile) {
    case 'root':
      return [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true), ski];
    case 'intermediate':
      return [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true), ski, ...aki];
    case 'server':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(KU.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
        new x509.SubjectAlternativeNameExtension(LOCALHOST_SAN),
        ski,
        ...aki,
      ];
    case 'client':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(KU.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([CLIENT_AUTH]),
        ski,
        ...aki,
      ];
    default:
      throw new Error(`unknown profile ${profile}`);
  }
}

/** A positive 63-bit serial number (RFC 5280 §4.1.2.2), as hex. */
function serialHex() {
  const b = randomBytes(8);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return b.toString('hex');
}

/** YYYYMMDDHHMMSSZ (UTC) as a Date. */
function fixedDate(s) {
  const [, y, mo, d, h, mi, se] = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) ?? [];
  if (!y) throw new Error(`bad date ${s}`);
  return new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +se));
}

function validity(e) {
  if (e.validity.days === undefined) return { notBefore: fixedDate(e.validity.start), notAfter: fixedDate(e.validity.end) };
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return { notBefore: now, notAfter: new Date(now.getTime() + e.validity.days * DAY) };
}

async function generateInto(work, log) {
  const byName = new Map(ENTITIES.map((e) => [e.name, e]));
  // Every key at once (WebCrypto generates off the main thread), then every certificate.
  const keys = new Map(
    ENTITIES.map((e) => [e.name, subtle.generateKey(KEY_ALGORITHMS[e.key], true, ['sign', 'verify'])]),
  );
  const certs = new Map();
  const certOf = (e) => {
    if (!certs.has(e.name)) certs.set(e.name, issue(e));
    return certs.get(e.name);
  };
  async function issue(e) {
    const pair = await keys.get(e.name);
    const issuer = e.issuer === null ? null : byName.get(e.issuer);
    if (e.issuer !== null && !issuer) throw new Error(`unknown issuer ${e.issuer}`);
    const issuerCert = issuer ? await certOf(issuer) : null;
    const issuerKeys = issuer ? await keys.get(issuer.name) : pair;
    const issuerSki = issuerCert?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const subject = e.profile === 'server' ? `O=puretls test, CN=${e.cn}` : `CN=${e.cn}`;
    return x509.X509CertificateGenerator.create({
      serialNumber: serialHex(),
      subject,
      issuer: issuerCert ? issuerCert.subjectName : subject,
      ...validity(e),
      publicKey: pair.publicKey,
      signingKey: issuerKeys.privateKey,
      signingAlgorithm: signingAlgorithm(issuer?.key ?? e.key, e.md),
      extensions: await extensionsFor(e.profile, pair.publicKey, issuerSki),
    });
  }
  const issued = await Promise.all(ENTITIES.map(async (e) => [e, await certOf(e)]));

  const pemOf = (name) => certs.get(name).then((c) => c.toString('pem') + '\n');
  const entities = {};
  for (const [e, cert] of issued) {
    const pkcs8 = await subtle.exportKey('pkcs8', (await keys.get(e.name)).privateKey);
    await fsp.writeFile(path.join(work, `${e.name}.key.pem`), x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', { mode: 0o600 });
    const leafPem = cert.toString('pem') + '\n';
    await fsp.writeFile(path.join(work, `${e.name}.cert.pem`), leafPem);
    const info = new X509Certificate(new Uint8Array(cert.rawData));
    // RFC 2253 order (most specific first), as `openssl x509 -nameopt RFC2253` printed it.
    const rfc2253 = (text) => text.split('\n').reverse().join(',');
    const meta = {
      cert: `${e.name}.cert.pem`,
      key: `${e.name}.key.pem`,
      keyType: e.key,
      profile: e.profile,
      issuer: e.issuer,
      subject: rfc2253(info.subject),
      issuerName: rfc2253(info.issuer),
      notBefore: new Date(info.validFrom).toISOString(),
      notAfter: new Date(info.validTo).toISOString(),
      sha256: info.fingerprint256,
    };
    if (e.profile === 'server') {
      const chain = [];
      for (let p = byName.get(e.issuer); p; p = p.issuer ? byName.get(p.issuer) : undefined) {
        if (p.issuer === null && !CHAIN_INCLUDES_ROOT.has(e.name)) break;
        chain.push(await pemOf(p.name));
        if (p.issuer === null) break;
      }
      await fsp.writeFile(path.join(work, `${e.name}.chain.pem`), leafPem + chain.join(''));
      await fsp.writeFile(path.join(work, `${e.name}.intermediates.pem`), chain.join(''));
      meta.chain = `${e.name}.chain.pem`;
      meta.intermediates = `${e.name}.intermediates.pem`;
      meta.chainLength = 1 + chain.length;
    }
    entities[e.name] = meta;
  }
  let bundle = '';
  for (const r of TRUSTED_ROOTS) bundle += await pemOf(r);
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
        generator: `@peculiar/x509 ${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', '@peculiar', 'x509', 'package.json'), 'utf8')).version}`,
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
