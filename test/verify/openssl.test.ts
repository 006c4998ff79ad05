/**
 * Cross-check: every corpus case is also run through
 *   openssl verify -x509_strict -purpose sslserver -verify_hostname NAME
 * (or -verify_ip), at the case's time, trusting only the case's roots.
 * Every disagreement must be one the corpus records with a reason, and
 * every recorded disagreement must still happen; the list is printed.
 * Set PURETLS_VERIFY_CORPUS_DIR to keep the PEM files for inspection.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { pem } from './certgen.js';
import { buildCorpus, type Case } from './corpus.js';
import { runCase } from './run-case.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

interface Row {
  id: string;
  ours: string;
  opensslOk: boolean;
  opensslSays: string;
  reason?: string;
}

function isIp(name: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.includes(':');
}

function runOpenssl(dir: string, c: Case): Promise<{ ok: boolean; says: string }> {
  const caseDir = join(dir, c.id.replace(/[^a-z0-9.-]+/gi, '_'));
  mkdirSync(caseDir, { recursive: true });
  const roots = join(caseDir, 'roots.pem');
  const untrusted = join(caseDir, 'untrusted.pem');
  const leafFile = join(caseDir, 'leaf.pem');
  writeFileSync(roots, c.roots.map(pem).join(''));
  writeFileSync(leafFile, pem(c.chain[0]!));
  const name = c.opensslName ?? c.serverName;
  const args = [
    'verify',
    '-x509_strict',
    '-purpose',
    'sslserver',
    ...(isIp(name) ? ['-verify_ip', name] : ['-verify_hostname', name]),
    '-attime',
    String(Math.floor(c.at.getTime() / 1000)),
    '-no-CApath',
    '-no-CAstore',
    '-CAfile',
    roots,
  ];
  if (c.chain.length > 1) {
    writeFileSync(untrusted, c.chain.slice(1).map(pem).join(''));
    args.push('-untrusted', untrusted);
  }
  if (c.partialChain) args.push('-partial_chain');
  args.push(leafFile);
  writeFileSync(join(caseDir, 'command.txt'), `openssl ${args.join(' ')}\nexpected: ${c.expect}\n`);
  return new Promise((resolve) => {
    execFile('openssl', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const says = `${stdout}${stderr}`
        .split('\n')
        .filter((l) => /error|OK|unable|Could not/i.test(l))
        .map((l) => l.replace(`${dir}/`, '').trim())
        .join(' | ');
      resolve({ ok: !err && /: OK\b/.test(stdout), says });
    });
  });
}

test.skipIf(!haveOpenssl)('verdicts agree with openssl verify, except for the recorded disagreements', async () => {
  const corpus = buildCorpus();
  const keep = process.env.PURETLS_VERIFY_CORPUS_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'puretls-verify-'));
  const rows: Row[] = [];
  try {
    // A few OpenSSL processes at a time.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < corpus.length) {
        const c = corpus[next++]!;
        const [ours, theirs] = await Promise.all([runCase(c), runOpenssl(dir, c)]);
        rows.push({
          id: c.id,
          ours: ours.verdict,
          opensslOk: theirs.ok,
          opensslSays: theirs.says,
          ...(c.openssl ? { reason: c.openssl.reason } : {}),
        });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }

  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  const byId = new Map(corpus.map((c) => [c.id, c]));
  const disagreements = rows.filter((r) => (r.ours === 'ok') !== r.opensslOk);
  const unexplained = disagreements.filter((r) => byId.get(r.id)!.openssl?.ok !== r.opensslOk);
  const stale = rows.filter((r) => byId.get(r.id)!.openssl && (r.ours === 'ok') === r.opensslOk);

  const lines = disagreements.map(
    (r) =>
      `  ${r.id}: puretls ${r.ours}, openssl ${r.opensslOk ? 'OK' : `fails (${r.opensslSays})`}\n` +
      `      why: ${r.reason ?? 'UNEXPLAINED'}`,
  );
  console.log(
    `openssl verify cross-check: ${rows.length} cases, ${rows.length - disagreements.length} agree, ` +
      `${disagreements.length} disagree:\n${lines.join('\n')}`,
  );
  expect(unexplained.map((r) => `${r.id}: puretls ${r.ours}, openssl ${r.opensslOk ? 'OK' : r.opensslSays}`)).toEqual([]);
  expect(stale.map((r) => r.id)).toEqual([]);
}, 120_000);
