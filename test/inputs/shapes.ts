/**
 * Issue 11: every shape a certificate or key may be given in (as Node's
 * tls takes them), and the wrong inputs each API must refuse, built from
 * the generated test PKI. Shared by the tests of every API that takes them.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { loadCert, type EntityName } from '../peers/fixtures.js';

/** A certificate input as a test case: its name and the value. */
export type Shape = readonly [name: string, value: string | Uint8Array | readonly (string | Uint8Array)[]];

const crlf = (pem: string): string => pem.replace(/\r?\n/g, '\r\n');

/**
 * One certificate (`name`) in every shape: PEM text, Buffer/Uint8Array
 * holding PEM, Buffer/Uint8Array holding DER, a list mixing PEM and DER,
 * and a bundle with comments and CRLF line ends (with `others` in it too).
 */
export function certificateShapes(name: EntityName, others: readonly EntityName[] = []): Shape[] {
  const { cert: pem, certDer: der } = loadCert(name);
  const other = others.map((o) => loadCert(o));
  const bundle = [
    '# a bundle, as distributions ship them\r\n',
    `Certificate: ${name}\r\n`,
    crlf(pem),
    ...other.map((o) => `\r\nsubject=${o.name}\r\n${crlf(o.cert)}`),
    '# end\r\n',
  ].join('');
  return [
    ['PEM text', pem],
    ['a Buffer holding PEM', Buffer.from(pem)],
    ['a Uint8Array holding PEM', new Uint8Array(Buffer.from(pem))],
    ['a Buffer holding DER', Buffer.from(der)],
    ['a Uint8Array holding DER', new Uint8Array(der)],
    ['a list of DER bytes and PEM text', [Buffer.from(der), ...other.map((o) => o.cert)]],
    ['a PEM bundle (Buffer) with comments and CRLF', Buffer.from(bundle)],
  ];
}

/** The chain `leaf` + `intermediate` in the shapes a chain comes in. */
export function chainShapes(leaf: EntityName, intermediate: EntityName): Shape[] {
  const l = loadCert(leaf);
  const i = loadCert(intermediate);
  return [
    ['PEM text holding both', l.cert + i.cert],
    ['a Buffer holding both as PEM, CRLF', Buffer.from(crlf(`# chain\n${l.cert}\n${i.cert}`))],
    ['a list of DER', [l.certDer, i.certDer]],
    ['a list of Buffers holding DER and PEM', [Buffer.from(l.certDer), Buffer.from(i.cert)]],
    ['a list of PEM text', [l.cert, i.cert]],
  ];
}

/** A private key in every format and shape: PKCS#8, SEC1 (with EC PARAMETERS) or PKCS#1; PEM or DER. */
export function keyShapes(name: 'client-p256' | 'client-rsa2048'): Shape[] {
  const pem = loadCert(name).key;
  const key = createPrivateKey(pem);
  const pkcs8Der = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  if (name === 'client-p256') {
    const sec1Pem = key.export({ type: 'sec1', format: 'pem' }).toString();
    // `openssl ecparam -genkey` writes the curve first.
    const withParams = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + sec1Pem;
    return [
      ['PKCS#8 PEM text', pem],
      ['PKCS#8 DER in a Uint8Array', pkcs8Der],
      ['SEC1 PEM text after an EC PARAMETERS block', withParams],
      ['SEC1 DER in a Buffer', key.export({ type: 'sec1', format: 'der' })],
      ['a list holding one PKCS#8 PEM Buffer', [Buffer.from(pem)]],
    ];
  }
  return [
    ['PKCS#8 PEM in a Buffer', Buffer.from(pem)],
    ['PKCS#1 PEM text', key.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['PKCS#1 DER in a Uint8Array', new Uint8Array(key.export({ type: 'pkcs1', format: 'der' }))],
  ];
}

/** A wrong input and the message (after the option's name) that must say what it is. */
export type Wrong = readonly [name: string, value: unknown, message: RegExp];

/**
 * Wrong certificate inputs; `field` is how the API names the option (e.g.
 * "ca"). A `roots` string is first of all not 'mozilla' or 'system'.
 */
export function wrongCertificates(field: string): Wrong[] {
  const root = loadCert('root');
  const f = field.replace(/[.[\]]/g, '\\$&');
  const publicKey = createPublicKey(root.key).export({ type: 'spki', format: 'pem' }).toString();
  const keyDer = new Uint8Array(createPrivateKey(root.key).export({ type: 'pkcs8', format: 'der' }));
  return [
    ['a private key in the list', [root.cert, root.key], new RegExp(`^${f}\\[1\\] is a private key, not a certificate$`)],
    ['a private key in a bundle', root.cert + root.key, new RegExp(`^${f} \\(PEM block 2\\) is a private key, not a certificate$`)],
    ['a DER private key', keyDer, new RegExp(`^${f} is a private key, not a certificate$`)],
    ['a public key', Buffer.from(publicKey), new RegExp(`^${f} is a public key, not a certificate$`)],
    ['a number', 42, new RegExp(`^${f} is a number \\(42\\); expected PEM text, a Buffer/Uint8Array holding PEM or DER, or an array of those$`)],
    ['an object in the list', [root.cert, { pem: root.cert }], new RegExp(`^${f}\\[1\\] is an object; expected PEM text`)],
    field === 'roots'
      ? ['an empty string', '', /^roots is ""; expected 'mozilla', 'system', a TrustStore, or certificates$/]
      : ['an empty string', '', new RegExp(`^${f} is an empty string; expected PEM text`)],
    field === 'roots'
      ? ['a file name', './root.pem', /^roots is "\.\/root\.pem"; expected 'mozilla', 'system', a TrustStore, or certificates \(a file name\? pass the file's contents\)$/]
      : ['a file name', './root.pem', new RegExp(`^${f} is a string with no PEM block \\(a file name\\? pass the file's contents\\)`)],
    ['bytes that are neither PEM nor DER', Buffer.from('hello'), new RegExp(`^${f} is neither PEM nor DER \\(5 bytes starting 68656c6c\\)`)],
    ['PEM with mismatched labels', '-----BEGIN CERTIFICATE-----\nAQID\n-----END KEY-----\n', new RegExp(`^${f} is not readable PEM: malformed PEM: label mismatch$`)],
    ['a CERTIFICATE block that is not one', '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n', new RegExp(`^${f} is labelled CERTIFICATE but holds malformed DER$`)],
  ];
}

/** Wrong private-key inputs; `field` is how the API names the option. */
export function wrongKeys(field: string): Wrong[] {
  const client = loadCert('client-p256');
  const f = field.replace(/[.[\]]/g, '\\$&');
  const key = createPrivateKey(client.key);
  return [
    ['a certificate', client.cert, new RegExp(`^${f} is a certificate, not a private key$`)],
    ['a DER certificate', client.certDer, new RegExp(`^${f} is a certificate, not a private key$`)],
    ['two keys', [client.key, loadCert('client-p384').key], new RegExp(`^${f} holds 2 private keys; expected one$`)],
    [
      'an encrypted PKCS#8 key',
      key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }),
      new RegExp(`^${f} is an encrypted private key; puretls takes it decrypted`),
    ],
    [
      'a legacy encrypted SEC1 key',
      key.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }),
      new RegExp(`^${f} is not readable PEM: unsupported PEM headers \\(encrypted key\\?\\)$`),
    ],
    ['a public key', createPublicKey(key).export({ type: 'spki', format: 'der' }), new RegExp(`^${f} is a public key, not a private key$`)],
    ['a number', 7, new RegExp(`^${f} is a number \\(7\\); expected`)],
    ['bytes that are neither PEM nor DER', new Uint8Array([1, 2, 3]), new RegExp(`^${f} is neither PEM nor DER \\(3 bytes starting 010203\\)`)],
  ];
}
