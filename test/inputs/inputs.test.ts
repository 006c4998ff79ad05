/**
 * Issue 11: one certificate/key input type everywhere. Every shape
 * (test/inputs/shapes.ts) is accepted, with a real effect (a verified
 * handshake, a verified chain, a client certificate the server checked),
 * and every wrong input refused with BAD_CONFIG naming the option, by each
 * API that takes it: the connector's `ca`, `roots` and `clientCertificate`
 * (through puretls/node's connect()), tlsConnect's `ca`/`cert`/`key`,
 * verifyServerChain's `chain` and `roots`, TrustStore, and the wasi host's
 * configure(). The CLI's --ca/--cert/--key are in cli-inputs.test.ts.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector, TrustStore, verifyServerChain, type ConnectorOptions } from '../../src/index.js';
import { connect, tlsConnect, type TlsConnectOptions } from '../../src/node.js';
import { checkWasiOptions, connectorOptions, type WasiTlsOptions } from '../../src/wasi/options.js';
import { loadCert, startNodeTlsServer, type NodeTlsServer } from '../peers/index.js';
import { certificateShapes, chainShapes, keyShapes, wrongCertificates, wrongKeys } from './shapes.js';

let echo: NodeTlsServer;
let mtls: NodeTlsServer;
beforeAll(async () => {
  [echo, mtls] = await Promise.all([
    startNodeTlsServer({ fixture: 'server-p256' }),
    startNodeTlsServer({ fixture: 'server-p256', requestCert: true, ca: loadCert('client-ca').cert }),
  ]);
});
afterAll(async () => {
  await Promise.all([echo?.stop(), mtls?.stop()]);
});

/** A full handshake (no resumption: verification always runs) and a round trip; resolves with the info. */
async function handshake(server: NodeTlsServer, options: ConnectorOptions) {
  const conn = await connect({ ...options, host: '127.0.0.1', port: server.port, servername: 'localhost', sessions: false });
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('ping'));
  const { value } = await conn.readable.getReader().read();
  expect(new TextDecoder().decode(value)).toBe('ping');
  w.releaseLock();
  await conn.close();
  return conn.info;
}

async function tlsHandshake(server: NodeTlsServer, options: TlsConnectOptions) {
  const s = tlsConnect({ ...options, host: '127.0.0.1', port: server.port, servername: 'localhost', sessions: false });
  await once(s, 'secureConnect');
  s.write('ping'); // a round trip: the server has seen our Finished (and certificate) by then
  const [echoed] = (await once(s, 'data')) as [Buffer];
  expect(echoed.toString()).toBe('ping');
  const info = s.info!;
  s.destroy();
  return info;
}

const ROOTS = certificateShapes('root', ['rsa-root']);
const CLIENT_CHAINS = certificateShapes('client-p256', ['client-ca']);

describe('trust anchors: every shape is accepted', () => {
  it.each(ROOTS)('connector ca: %s', async (_name, ca) => {
    expect((await handshake(echo, { ca })).signatureScheme).toBe('ecdsa_secp256r1_sha256');
  });

  it.each(ROOTS)('connector roots: %s', async (_name, roots) => {
    expect((await handshake(echo, { roots })).peerCertificates).toHaveLength(2);
  });

  it.each(ROOTS)('tlsConnect ca: %s', async (_name, ca) => {
    expect((await tlsHandshake(echo, { ca })).version).toBe('TLSv1.3');
  });

  it.each(ROOTS)('verifyServerChain roots: %s', async (_name, roots) => {
    const v = await verifyServerChain({ chain: [loadCert('server-p256').certDer, loadCert('intermediate').certDer], serverName: 'localhost', roots });
    expect(v.anchor.subject).toBe('CN=puretls test root');
  });

  it.each(ROOTS)('TrustStore.fromCertificates: %s', (_name, certs) => {
    expect(TrustStore.fromCertificates(certs).has(loadCert('root').certDer)).toBe(true);
  });

  it.each(ROOTS)('wasi configure ca and roots: %s, through the structured clone', async (_name, ca) => {
    const checked = checkWasiOptions({ ca, roots: ca, alpn: ['x'] });
    expect((await handshake(echo, { ...connectorOptions(checked), alpn: [] })).version).toBe('TLSv1.3');
  });

  it('a Buffer read once is read again when its contents change (inputs are cached by content)', async () => {
    const ca = Buffer.from(loadCert('root').cert);
    expect((await handshake(echo, { ca })).version).toBe('TLSv1.3');
    expect((await handshake(echo, { ca })).version).toBe('TLSv1.3'); // from the cache
    ca.fill(0x20); // now only spaces
    await expect(handshake(echo, { ca })).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringMatching(/^ca is neither PEM nor DER/) });
    const der = new Uint8Array(loadCert('root').certDer);
    expect((await handshake(echo, { ca: der })).version).toBe('TLSv1.3');
    der.set(loadCert('rsa-root').certDer.subarray(0, der.length)); // another certificate's bytes, same length
    await expect(handshake(echo, { ca: der })).rejects.toMatchObject({ name: 'TlsError' });
  });

  it('and an untrusting root still fails (the inputs are really used)', async () => {
    await expect(handshake(echo, { ca: Buffer.from(loadCert('rsa-root').cert) })).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
    await expect(
      verifyServerChain({ chain: loadCert('server-p256').chain, serverName: 'localhost', roots: loadCert('rsa-root').certDer }),
    ).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
  });
});

describe('verifyServerChain: every chain shape, and roots as the connector takes them', () => {
  it.each(chainShapes('server-p256', 'intermediate'))('chain: %s', async (_name, chain) => {
    const v = await verifyServerChain({ chain, serverName: 'localhost', roots: loadCert('root').cert });
    expect(v.path).toHaveLength(3);
  });

  it('roots: a TrustStore, "mozilla" and "system" as before', async () => {
    const chain = loadCert('server-p256').chain;
    const store = (await TrustStore.loadMozilla()).with(loadCert('root').cert);
    expect((await verifyServerChain({ chain, serverName: 'localhost', roots: store })).path).toHaveLength(3);
    for (const roots of ['mozilla', 'system'] as const) {
      await expect(verifyServerChain({ chain, serverName: 'localhost', roots })).rejects.toMatchObject({ code: 'CERT_UNTRUSTED_ROOT' });
    }
  });

  it('a Buffer in the chain is copied, not kept: changing it later does not change what was parsed', async () => {
    const leaf = loadCert('server-ecdsa-chain'); // parsed by no other test here
    const inter = loadCert('ecdsa-intermediate').certDer;
    const buf = Buffer.from(leaf.certDer); // a view into Node's shared pool
    const roots = loadCert('ecdsa-root').cert;
    expect((await verifyServerChain({ chain: [buf, inter], serverName: 'localhost', roots })).path).toHaveLength(3);
    buf.fill(0);
    const again = await verifyServerChain({ chain: [leaf.certDer, inter], serverName: 'localhost', roots });
    expect(again.path[0]).toEqual(leaf.certDer);
  });

  it('a chain of DER bytes is read as DER even when malformed (the verifier judges it)', async () => {
    await expect(
      verifyServerChain({ chain: [new Uint8Array([0x30, 0x03, 0x02, 0x01])], serverName: 'localhost' }),
    ).rejects.toMatchObject({ code: 'CERT_INVALID' });
  });
});

describe('client certificates: every chain and key shape is accepted', () => {
  it.each(CLIENT_CHAINS)('clientCertificate.chain: %s', async (_name, chain) => {
    const info = await handshake(mtls, { ca: loadCert('root').cert, clientCertificate: { chain, key: loadCert('client-p256').key } });
    expect(info.clientCertificateSent).toBe(true);
    expect(mtls.connections.at(-1)!.authorized).toBe(true);
  });

  it.each([
    ...keyShapes('client-p256').map(([n, k]) => ['client-p256', n, k] as const),
    ...keyShapes('client-rsa2048').map(([n, k]) => ['client-rsa2048', n, k] as const),
  ])('clientCertificate.key (%s): %s', async (name, _shape, key) => {
    const chain = Buffer.from(loadCert(name).cert);
    const info = await handshake(mtls, { ca: loadCert('root').cert, clientCertificate: { chain, key } });
    expect(info.clientCertificateSent).toBe(true);
    expect(mtls.connections.at(-1)!.authorized).toBe(true);
  });

  it.each(keyShapes('client-p256'))('tlsConnect cert/key: key as %s', async (_name, key) => {
    const info = await tlsHandshake(mtls, { ca: loadCert('root').cert, cert: loadCert('client-p256').certDer, key });
    expect(info.clientCertificateSent).toBe(true);
    expect(mtls.connections.at(-1)!.authorized).toBe(true);
  });

  it('wasi configure: a DER chain and a SEC1 key cross to the worker', async () => {
    const shapes = keyShapes('client-p256');
    const checked = checkWasiOptions({
      ca: loadCert('root').cert,
      clientCertificate: { chain: loadCert('client-p256').certDer, key: shapes[3]![1] as Uint8Array },
    });
    expect((await handshake(mtls, connectorOptions(checked))).clientCertificateSent).toBe(true);
  });
});

describe('wrong inputs: BAD_CONFIG saying what was expected and what was found', () => {
  const bad = (message: RegExp) => ({ name: 'TlsError', code: 'BAD_CONFIG', message: expect.stringMatching(message) });
  const goodKey = loadCert('client-p256').key;
  const goodChain = loadCert('client-p256').cert;

  it.each(wrongCertificates('ca'))('connector ca: %s', async (_name, ca, message) => {
    await expect(handshake(echo, { ca: ca as ConnectorOptions['ca'] })).rejects.toMatchObject(bad(message));
  });

  it.each(wrongCertificates('roots'))('connector roots: %s', async (_name, roots, message) => {
    await expect(handshake(echo, { roots: roots as ConnectorOptions['roots'] })).rejects.toMatchObject(bad(message));
  });

  it.each(wrongCertificates('clientCertificate.chain'))('connector clientCertificate.chain: %s', async (_name, chain, message) => {
    const clientCertificate = { chain, key: goodKey } as ConnectorOptions['clientCertificate'];
    await expect(handshake(mtls, { ca: loadCert('root').cert, clientCertificate })).rejects.toMatchObject(bad(message));
  });

  it.each(wrongKeys('clientCertificate.key'))('connector clientCertificate.key: %s', async (_name, key, message) => {
    const clientCertificate = { chain: goodChain, key } as ConnectorOptions['clientCertificate'];
    await expect(handshake(mtls, { ca: loadCert('root').cert, clientCertificate })).rejects.toMatchObject(bad(message));
  });

  it.each(wrongCertificates('ca'))('tlsConnect ca: %s (thrown at once, as tls.connect does)', (_name, ca, message) => {
    expect(() => tlsConnect({ port: echo.port, ca: ca as ConnectorOptions['ca'] })).toThrow(expect.objectContaining(bad(message)));
  });

  it.each(wrongCertificates('cert'))('tlsConnect cert: %s', (_name, cert, message) => {
    expect(() => tlsConnect({ port: echo.port, cert: cert as ConnectorOptions['ca'], key: goodKey })).toThrow(expect.objectContaining(bad(message)));
  });

  it.each(wrongKeys('key'))('tlsConnect key: %s', (_name, key, message) => {
    expect(() => tlsConnect({ port: echo.port, cert: goodChain, key: key as string })).toThrow(expect.objectContaining(bad(message)));
  });

  it.each(wrongCertificates('chain'))('verifyServerChain chain: %s', async (name, chain, message) => {
    // The contents of DER (given as bytes or in a CERTIFICATE block) go to the verifier as they
    // are, as in a handshake: it reports CERT_* codes. Everything else is BAD_CONFIG.
    const derContent = name === 'a DER private key' || name === 'a CERTIFICATE block that is not one' || name === 'bytes that are neither PEM nor DER';
    const expected = derContent ? { name: 'TlsError', code: expect.stringMatching(/^CERT_|^BAD_CERTIFICATE$/) } : bad(message);
    await expect(verifyServerChain({ chain: chain as string, serverName: 'localhost' })).rejects.toMatchObject(expected);
  });

  it.each(wrongCertificates('roots'))('verifyServerChain roots: %s', async (_name, roots, message) => {
    await expect(
      verifyServerChain({ chain: loadCert('server-p256').chain, serverName: 'localhost', roots: roots as string }),
    ).rejects.toMatchObject(bad(message));
  });

  it.each(wrongCertificates('certificates'))('TrustStore.fromCertificates: %s', (_name, certs, message) => {
    expect(() => TrustStore.fromCertificates(certs as string)).toThrow(expect.objectContaining(bad(message)));
  });

  it.each([
    ...wrongCertificates('ca').map(([n, v, m]) => ['ca', n, { ca: v }, m] as const),
    ...wrongCertificates('roots').map(([n, v, m]) => ['roots', n, { roots: v }, m] as const),
    ...wrongCertificates('clientCertificate.chain').map(([n, v, m]) => ['clientCertificate.chain', n, { clientCertificate: { chain: v, key: goodKey } }, m] as const),
    ...wrongKeys('clientCertificate.key').map(([n, v, m]) => ['clientCertificate.key', n, { clientCertificate: { chain: goodChain, key: v } }, m] as const),
  ])('wasi configure %s: %s', (_field, _name, options, message) => {
    expect(() => checkWasiOptions(options as WasiTlsOptions)).toThrow(expect.objectContaining(bad(message)));
  });

  it.each([
    ...wrongCertificates('ca').map(([n, v, m]) => ['ca', n, { ca: v }, m] as const),
    ...wrongCertificates('roots').map(([n, v, m]) => ['roots', n, { roots: v }, m] as const),
    ...wrongKeys('clientCertificate.key').map(([n, v, m]) => ['clientCertificate.key', n, { clientCertificate: { chain: goodChain, key: v } }, m] as const),
  ])('Connector over any transport, %s: %s', async (_field, _name, options, message) => {
    const c = new Connector(options as ConnectorOptions);
    c.send(new ReadableStream());
    c.receive(new ReadableStream());
    await expect(c.connect('localhost')).rejects.toMatchObject(bad(message));
  });

  it('roots names what it takes when given something else', async () => {
    await expect(handshake(echo, { roots: 'mozila' as 'mozilla' })).rejects.toMatchObject(
      bad(/^roots is "mozila"; expected 'mozilla', 'system', a TrustStore, or certificates$/),
    );
    expect(() => checkWasiOptions({ roots: TrustStore.mozilla() } as unknown as WasiTlsOptions)).toThrow(/cannot be a TrustStore/);
  });
});
