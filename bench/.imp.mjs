const s = crypto.subtle;
const d = new Uint8Array(32).fill(7);
const b64u = (b) => Buffer.from(b).toString('base64url');
const pk8 = new Uint8Array([0x30,0x2e,0x02,0x01,0x00,0x30,0x05,0x06,0x03,0x2b,0x65,0x6e,0x04,0x22,0x04,0x20, ...d]);
const base = new Uint8Array(32); base[0]=9;
const bp = await s.importKey('raw', base, {name:'X25519'}, true, []);
async function bench(name, f, n=300) { for (let i=0;i<30;i++) await f(); const t=performance.now(); for (let i=0;i<n;i++) await f(); console.log(name, ((performance.now()-t)/n*1000).toFixed(0),'us'); }
await bench('pkcs8 import', () => s.importKey('pkcs8', pk8, {name:'X25519'}, true, ['deriveBits']));
try { const kk = await s.importKey('jwk', {kty:'OKP', crv:'X25519', d: b64u(d), x: b64u(base)}, {name:'X25519'}, true, ['deriveBits']); console.log('jwk wrong x OK', (await s.exportKey('jwk', kk)).x); } catch(e) { console.log('jwk wrong x fails', e.message); }
await bench('jwk import (wrong x)', () => s.importKey('jwk', {kty:'OKP', crv:'X25519', d: b64u(d), x: b64u(base)}, {name:'X25519'}, true, ['deriveBits']).catch(()=>0));
const k = await s.importKey('pkcs8', pk8, {name:'X25519'}, true, ['deriveBits']);
await bench('export jwk', () => s.exportKey('jwk', k));
await bench('derive base', () => s.deriveBits({name:'X25519', public: bp}, k, 256));
await bench('generateKey', () => s.generateKey({name:'X25519'}, true, ['deriveBits']));
const kp = await s.generateKey({name:'X25519'}, true, ['deriveBits']);
await bench('export raw pub', () => s.exportKey('raw', kp.publicKey));
await bench('import raw pub', () => s.importKey('raw', base, {name:'X25519'}, true, []));
const nc = await import('node:crypto');
await bench('node createPrivateKey jwk', () => nc.createPrivateKey({key:{kty:'OKP', crv:'X25519', d: b64u(d), x: b64u(d)}, format:'jwk'}));
await bench('aes importKey', () => s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt','decrypt']));
// P-256
const { p256 } = await import('/work/main/node_modules/@noble/curves/nist.js');
const sc = new Uint8Array(32).fill(3);
const G = p256.getPublicKey(sc, false);
await bench('P256 jwk import with x,y,d', () => s.importKey('jwk', {kty:'EC', crv:'P-256', d: b64u(sc), x: b64u(G.subarray(1,33)), y: b64u(G.subarray(33))}, {name:'ECDH', namedCurve:'P-256'}, true, ['deriveBits']));
const ecpk8 = Buffer.from('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420' + Buffer.from(sc).toString('hex'), 'hex');
await bench('P256 pkcs8 import', () => s.importKey('pkcs8', ecpk8, {name:'ECDH', namedCurve:'P-256'}, true, ['deriveBits']));
const ek = await s.importKey('pkcs8', ecpk8, {name:'ECDH', namedCurve:'P-256'}, true, ['deriveBits']);
await bench('P256 export jwk', () => s.exportKey('jwk', ek));
await bench('noble p256 getPublicKey', async () => p256.getPublicKey(sc, false));
await bench('P256 generateKey', () => s.generateKey({name:'ECDH', namedCurve:'P-256'}, true, ['deriveBits']));
