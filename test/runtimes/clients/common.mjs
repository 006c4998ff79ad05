// Shared by the runtime clients: one verified exchange with `openssl s_server
// -rev` (a line out, the line reversed back, close_notify both ways), and a
// report the test parses. Plain JavaScript: every runtime runs it as is.
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The message the test expects back reversed (test/runtimes/harness.ts MESSAGE). */
export const MESSAGE = `hello from puretls ${'0123456789abcdef'.repeat(128)} end`;

/** Sends MESSAGE + '\n' on a puretls connection, reads one line back, closes. */
export async function exchange(conn) {
  const w = conn.writable.getWriter();
  await w.write(enc.encode(MESSAGE + '\n'));
  const reader = conn.readable.getReader();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  reader.releaseLock();
  w.releaseLock();
  await conn.close();
  return text;
}

/** ConnectionInfo without the certificates' bytes. */
export function summary(info) {
  const { peerCertificates, trustAnchor, ...rest } = info;
  return { ...rest, chainLength: peerCertificates.length, anchor: trustAnchor?.subject ?? null };
}

/** Runs one attempt; a failure is a result (its TlsError code), not an exception. */
export async function attempt(name, fn) {
  try {
    return { name, ok: true, ...(await fn()) };
  } catch (e) {
    return { name, ok: false, code: e?.code ?? null, message: String(e?.message ?? e), isTlsError: e?.name === 'TlsError' };
  }
}

/** The line the test looks for. */
export function report(runtime, version, results) {
  return 'PURETLS_REPORT ' + JSON.stringify({ runtime, version, results });
}
