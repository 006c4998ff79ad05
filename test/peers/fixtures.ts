/**
 * Access to the generated test PKI (scripts/gen-test-certs.mjs).
 * The vitest globalSetup generates it once per run; `ensureFixtures()` does the
 * same for code running outside vitest.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GENERATOR_SCRIPT = path.join(REPO_ROOT, 'scripts', 'gen-test-certs.mjs');

/** Output directory: $PURETLS_FIXTURES_DIR or test/fixtures/generated. */
export const FIXTURES_DIR = path.resolve(process.env.PURETLS_FIXTURES_DIR ?? path.join(REPO_ROOT, 'test', 'fixtures', 'generated'));

export const SERVER_CERTS = [
  'server-p256',
  'server-p384',
  'server-rsa2048',
  'server-ed25519',
  'server-rsa-chain',
  'server-ecdsa-chain',
  'server-expired',
  'server-not-yet-valid',
  'server-untrusted',
] as const;
export type ServerCertName = (typeof SERVER_CERTS)[number];

export const CLIENT_CERTS = ['client-p256', 'client-p384', 'client-ed25519', 'client-rsa2048'] as const;
export type ClientCertName = (typeof CLIENT_CERTS)[number];

export const CA_CERTS = [
  'root',
  'intermediate',
  'rsa-root',
  'rsa-intermediate',
  'ecdsa-root',
  'ecdsa-intermediate',
  'untrusted-root',
  'client-ca',
] as const;
export type CaCertName = (typeof CA_CERTS)[number];

export type EntityName = ServerCertName | ClientCertName | CaCertName;

/** The trust anchor that validates each server leaf. */
export const SERVER_ROOT: Readonly<Record<ServerCertName, CaCertName>> = {
  'server-p256': 'root',
  'server-p384': 'root',
  'server-rsa2048': 'root',
  'server-ed25519': 'root',
  'server-rsa-chain': 'rsa-root',
  'server-ecdsa-chain': 'ecdsa-root',
  'server-expired': 'root',
  'server-not-yet-valid': 'root',
  'server-untrusted': 'untrusted-root',
};

export interface CertFiles {
  name: EntityName;
  certPath: string;
  keyPath: string;
  /** leaf + intermediates (server leaves only; for clients/CAs = certPath). */
  chainPath: string;
  /** certificates after the leaf (server leaves only; for clients/CAs = ''). */
  intermediatesPath: string;
}

export interface LoadedCert extends CertFiles {
  /** PEM text */
  cert: string;
  key: string;
  chain: string;
  /** DER of the certificate */
  certDer: Uint8Array;
}

export function certFiles(name: EntityName, dir: string = FIXTURES_DIR): CertFiles {
  const isServer = (SERVER_CERTS as readonly string[]).includes(name);
  return {
    name,
    certPath: path.join(dir, `${name}.cert.pem`),
    keyPath: path.join(dir, `${name}.key.pem`),
    chainPath: path.join(dir, isServer ? `${name}.chain.pem` : `${name}.cert.pem`),
    intermediatesPath: isServer ? path.join(dir, `${name}.intermediates.pem`) : '',
  };
}

const cache = new Map<string, LoadedCert>();

export function loadCert(name: EntityName, dir: string = FIXTURES_DIR): LoadedCert {
  const cacheKey = `${dir}\0${name}`;
  let c = cache.get(cacheKey);
  if (!c) {
    const f = certFiles(name, dir);
    const cert = readFileSync(f.certPath, 'utf8');
    c = {
      ...f,
      cert,
      key: readFileSync(f.keyPath, 'utf8'),
      chain: readFileSync(f.chainPath, 'utf8'),
      certDer: pemToDer(cert)[0]!,
    };
    cache.set(cacheKey, c);
  }
  return c;
}

/** PEM text of trusted-roots.pem (root + rsa-root + ecdsa-root). */
export function trustedRootsPem(dir: string = FIXTURES_DIR): string {
  return readFileSync(path.join(dir, 'trusted-roots.pem'), 'utf8');
}

/** All DER certificates in a PEM text. */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

interface GeneratorModule {
  generateTestCerts(options?: { dir?: string; force?: boolean; log?: (m: string) => void }): Promise<{
    dir: string;
    generated: boolean;
    ms: number;
    manifest: unknown;
  }>;
}

/** Import the generator (plain JS, typed here). */
export async function loadGenerator(): Promise<GeneratorModule> {
  return (await import(/* @vite-ignore */ pathToFileURL(GENERATOR_SCRIPT).href)) as GeneratorModule;
}

/** Generate the fixtures if needed (fast no-op when up to date). */
export async function ensureFixtures(dir: string = FIXTURES_DIR): Promise<string> {
  const gen = await loadGenerator();
  const r = await gen.generateTestCerts({ dir });
  return r.dir;
}
