import { test, expect } from 'vitest';
import { key, makeCert, KU, EKU } from './certgen.js';
import { verifyServerChain, TrustStore } from '../../src/verify/index.js';
test('smoke', async () => {
  const now = new Date('2025-06-01T00:00:00Z');
  const nb = new Date('2025-01-01T00:00:00Z'), na = new Date('2026-01-01T00:00:00Z');
  const root = makeCert({ subject: [['C','US'],['CN','Root']], key: key('root'), notBefore: nb, notAfter: na, ca: true, ku: KU.keyCertSign });
  const inter = makeCert({ subject: [['CN','Inter']], key: key('inter','rsa2048'), issuer: root, notBefore: nb, notAfter: na, ca: true, ku: KU.keyCertSign });
  const leaf = makeCert({ subject: [['CN','Leaf']], key: key('leaf','ed25519'), issuer: inter, notBefore: nb, notAfter: na, ku: KU.digitalSignature, eku:[EKU.serverAuth], san:['dns:example.com','ip:10.0.0.1'], sigAlg: 'pss-sha256' });
  const t0 = performance.now();
  const r = await verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.com', at: now, roots: TrustStore.fromCertificates([root.der]) });
  console.log(performance.now() - t0, r.anchor.subject, r.path.length);
  const e = await verifyServerChain({ chain: [leaf.der, inter.der], serverName: 'example.org', at: now, roots: TrustStore.fromCertificates([root.der]) }).catch(e => e);
  console.log(e.toDebugString());
  const e2 = await verifyServerChain({ chain: [leaf.der], serverName: 'example.com', at: now, roots: TrustStore.mozilla() }).catch(e => e);
  console.log(e2.toDebugString());
});
