/**
 * Server authentication: Certificate, CertificateVerify and Finished
 * (RFC 8446 §4.4.2-§4.4.4), and the chain limit.
 */
import { concat } from '../../../src/codec.js';
import { nobleProvider } from '../../../src/crypto/noble.js';
import { schemeByCode } from '../../../src/handshake/constants.js';
import { finishedVerifyData } from '../../../src/handshake/key-schedule.js';
import { serverIdentity, type CertificateVerifyOptions, type FinishedOptions, type ScriptedPeer } from '../../peers/scripted-server.js';
import { toEncrypted, type HostileCase } from '../harness.js';

/** Genuine EE and Certificate, then a CertificateVerify built with `cv`, then Finished. */
async function withCertificateVerify(p: ScriptedPeer, cv: CertificateVerifyOptions): Promise<void> {
  await toEncrypted(p);
  const msgs = [p.buildEncryptedExtensions(), p.buildCertificate(), await p.buildCertificateVerify(cv)];
  msgs.push(p.buildFinished());
  await p.send(msgs);
}

async function withFinished(p: ScriptedPeer, fin: FinishedOptions): Promise<void> {
  await toEncrypted(p);
  const msgs = await p.buildAuthMessages();
  msgs.push(p.buildFinished(fin));
  await p.send(msgs);
}

/** Genuine EE, then a Certificate built by `cert`, then the rest. */
async function withCertificate(p: ScriptedPeer, cert: Parameters<ScriptedPeer['buildCertificate']>[0]): Promise<void> {
  await toEncrypted(p);
  await p.send([p.buildEncryptedExtensions(), p.buildCertificate(cert)]);
}

const ecdsaP256 = schemeByCode(0x0403)!.alg;

export const authCases: HostileCase[] = [
  {
    name: 'Certificate: empty certificate_list',
    rfc: '§4.4.2.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withCertificate(p, { entries: [] }),
  },
  {
    name: 'Certificate: certificate_list longer than the limit (11 entries, limit 10)',
    rfc: 'limits.maxCertificateChain',
    code: 'BAD_CERTIFICATE',
    alert: 'bad_certificate',
    script: (p) => withCertificate(p, { chain: Array.from({ length: 11 }, () => p.identity.chain[0]!) }),
  },
  {
    name: 'Certificate: chain of 2 with limits.maxCertificateChain = 1',
    rfc: 'limits.maxCertificateChain',
    code: 'BAD_CERTIFICATE',
    alert: 'bad_certificate',
    client: { limits: { maxCertificateChain: 1 } },
    script: (p) => withCertificate(p, {}),
  },
  {
    name: 'Certificate: zero-length cert_data',
    rfc: '§4.4.2',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withCertificate(p, { entries: [{ data: new Uint8Array(0), extensions: [] }] }),
  },
  {
    name: 'Certificate: non-empty certificate_request_context',
    rfc: '§4.4.2',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => withCertificate(p, { context: Uint8Array.of(7) }),
  },
  {
    name: 'Certificate: cert_data that is not DER',
    rfc: '§4.4.2, RFC 5280',
    code: 'CERT_INVALID',
    alert: 'bad_certificate',
    script: (p) => withCertificate(p, { chain: [new TextEncoder().encode('not a certificate')] }),
  },
  {
    name: 'Certificate: chain to an untrusted root',
    rfc: '§4.4.2.4, RFC 5280 §6',
    code: 'CERT_UNTRUSTED_ROOT',
    alert: 'unknown_ca',
    script: (p) => withCertificate(p, { chain: serverIdentity('server-untrusted').chain }),
  },
  {
    name: 'Certificate: expired leaf',
    rfc: 'RFC 5280 §6.1.3',
    code: 'CERT_EXPIRED',
    alert: 'certificate_expired',
    script: (p) => withCertificate(p, { chain: serverIdentity('server-expired').chain }),
  },
  {
    name: 'Certificate: name does not match the server name',
    rfc: 'RFC 9525 §6',
    code: 'CERT_NAME_MISMATCH',
    alert: 'bad_certificate',
    client: { servername: 'other.example' },
    script: (p) => withCertificate(p, {}),
  },
  {
    name: 'CertificateVerify: scheme that does not match the key (ed25519 claimed, ECDSA key)',
    rfc: '§4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => withCertificateVerify(p, { scheme: 0x0807 }),
  },
  {
    name: 'CertificateVerify: ECDSA scheme for another curve (P-384 claimed, P-256 key)',
    rfc: '§4.2.3, §4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => withCertificateVerify(p, { scheme: 0x0503, signWith: { kind: 'ecdsa', hash: 'SHA-384' } }),
  },
  {
    name: 'CertificateVerify: scheme not offered by the client',
    rfc: '§4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    client: { signatureSchemes: ['ecdsa_secp384r1_sha384', 'rsa_pss_rsae_sha256'] },
    script: (p) => withCertificateVerify(p, {}),
  },
  {
    name: 'CertificateVerify: rsa_pkcs1_sha256 (certificates only in TLS 1.3)',
    rfc: '§4.2.3, §4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => withCertificateVerify(p, { scheme: 0x0401 }),
  },
  {
    name: 'CertificateVerify: rsa_pss_pss_sha256 claimed for an rsaEncryption key',
    rfc: '§4.2.3, §4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    identity: 'server-rsa2048',
    script: (p) => withCertificateVerify(p, { scheme: 0x0809 }),
  },
  {
    name: 'CertificateVerify: PKCS#1 v1.5 signature sent as rsa_pss_rsae_sha256',
    rfc: '§4.2.3, §4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    identity: 'server-rsa2048',
    script: (p) => withCertificateVerify(p, { signWith: { kind: 'rsa-pkcs1', hash: 'SHA-256' } }),
  },
  {
    name: 'CertificateVerify: ECDSA scheme claimed for an Ed25519 key',
    rfc: '§4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    identity: 'server-ed25519',
    script: (p) => withCertificateVerify(p, { scheme: 0x0403 }),
  },
  {
    name: 'CertificateVerify: Ed25519 signature with one bit flipped',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    identity: 'server-ed25519',
    async script(p) {
      await toEncrypted(p);
      const ee = p.buildEncryptedExtensions();
      const cert = p.buildCertificate();
      const sig = (await nobleProvider.sign({ kind: 'ed25519' }, p.identity.key, p.signedContent())).slice();
      sig[10]! ^= 0x01;
      await p.send([ee, cert, await p.buildCertificateVerify({ signature: sig }), p.buildFinished()]);
    },
  },
  {
    name: 'CertificateVerify: an unknown scheme',
    rfc: '§4.4.3',
    code: 'ILLEGAL_PARAMETER',
    alert: 'illegal_parameter',
    script: (p) => withCertificateVerify(p, { scheme: 0xfefe }),
  },
  {
    name: 'CertificateVerify: signed over the client context string',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withCertificateVerify(p, { context: 'TLS 1.3, client CertificateVerify' }),
  },
  {
    name: 'CertificateVerify: signed over the wrong transcript hash',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withCertificateVerify(p, { transcriptHash: new Uint8Array(32).fill(0xab) }),
  },
  {
    name: 'CertificateVerify: signed with the right key over a hash with SHA-384',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withCertificateVerify(p, { signWith: { kind: 'ecdsa', hash: 'SHA-384' } }),
  },
  {
    name: 'CertificateVerify: signature with one bit flipped',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    async script(p) {
      await toEncrypted(p);
      const ee = p.buildEncryptedExtensions();
      const cert = p.buildCertificate();
      const bad = (await nobleProvider.sign(ecdsaP256, p.identity.key, p.signedContent())).slice();
      bad[bad.length - 3]! ^= 0x10;
      const cv = await p.buildCertificateVerify({ signature: bad });
      await p.send([ee, cert, cv, p.buildFinished()]);
    },
  },
  {
    name: 'CertificateVerify: signature that is not DER',
    rfc: '§4.4.3',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withCertificateVerify(p, { signature: new Uint8Array(64).fill(0x33) }),
  },
  {
    name: 'CertificateVerify: empty signature',
    rfc: '§4.4.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withCertificateVerify(p, { signature: new Uint8Array(0) }),
  },
  {
    name: 'CertificateVerify: trailing byte after the signature',
    rfc: '§4.4.3',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) =>
      withCertificateVerify(p, {
        mutate: (m) => {
          const out = concat(m, Uint8Array.of(0));
          out[3]! += 1;
          return out;
        },
      }),
  },
  {
    name: 'Finished: first bit flipped',
    rfc: '§4.4.4',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withFinished(p, { flipBit: 0 }),
  },
  {
    name: 'Finished: last bit flipped',
    rfc: '§4.4.4',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    script: (p) => withFinished(p, { flipBit: 255 }),
  },
  {
    name: 'Finished: computed with the client handshake secret (reflection)',
    rfc: '§4.4.4',
    code: 'DECRYPT_ERROR',
    alert: 'decrypt_error',
    async script(p) {
      await toEncrypted(p);
      const msgs = await p.buildAuthMessages();
      msgs.push(p.buildFinished({ verifyData: finishedVerifyData(p.hash, p.clientHsSecret!, p.transcriptHash()) }));
      await p.send(msgs);
    },
  },
  {
    name: 'Finished: one byte short',
    rfc: '§4.4.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withFinished(p, { verifyData: new Uint8Array(31) }),
  },
  {
    name: 'Finished: one byte long',
    rfc: '§4.4.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withFinished(p, { verifyData: new Uint8Array(33) }),
  },
  {
    name: 'Finished: empty',
    rfc: '§4.4.4',
    code: 'DECODE_ERROR',
    alert: 'decode_error',
    script: (p) => withFinished(p, { verifyData: new Uint8Array(0) }),
  },
];
