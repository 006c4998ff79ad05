const s = crypto.subtle;
const key = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
const big = new Uint8Array(64 << 20);
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const p = s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, big);
  const t1 = performance.now();
  await p;
  const t2 = performance.now();
  console.log('64MiB sync ms', (t1 - t0).toFixed(1), 'total ms', (t2 - t0).toFixed(1));
}
const t0 = performance.now(); big.slice(); console.log('memcpy 64MiB ms', (performance.now() - t0).toFixed(1));
