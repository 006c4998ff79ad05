const s = crypto.subtle;
const key = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
const pt = new Uint8Array(16385 * 64);
const iv = new Uint8Array(12);
for (const size of [16385, 16385 * 8, 16385 * 64]) {
  const data = pt.subarray(0, size);
  let sync = 0, total = 0; const n = Math.max(5, Math.floor(2000 * 16385 / size));
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const p = s.encrypt({ name: 'AES-GCM', iv }, key, data);
    const t1 = performance.now();
    await p;
    const t2 = performance.now();
    sync += t1 - t0; total += t2 - t0;
  }
  console.log(size, 'sync us/op', (sync / n * 1000).toFixed(1), 'total us/op', (total / n * 1000).toFixed(1), 'MB/s', (size / 1e6 / (total / n / 1000)).toFixed(0));
}
