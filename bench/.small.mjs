import { gcm } from '@noble/ciphers/aes.js';
const s = crypto.subtle;
const key = new Uint8Array(16).fill(1), iv = new Uint8Array(12), aad = new Uint8Array(5);
const ck = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
async function bench(name, f, n = 2000) { for (let i = 0; i < 200; i++) await f(); const c0 = process.cpuUsage(); const t = performance.now(); for (let i = 0; i < n; i++) await f(); const cu = process.cpuUsage(c0); console.log(name.padEnd(28), 'wall us', ((performance.now() - t) / n * 1000).toFixed(1), 'cpu us', ((cu.user + cu.system) / n).toFixed(1)); }
for (const size of [24, 300, 3000, 16385]) {
  const pt = new Uint8Array(size);
  await bench(`noble gcm ${size}`, () => gcm(key, iv, aad).encrypt(pt), size > 5000 ? 300 : 2000);
  await bench(`subtle gcm ${size}`, () => s.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, ck, pt));
}
await bench('subtle importKey', () => s.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']));
