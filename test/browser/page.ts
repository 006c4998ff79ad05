/**
 * The test page: loads the browser bundle as an ES module and exposes
 * `window.puretlsFetch(options)`, which runs a verified TLS 1.3 handshake
 * through the relay, sends an HTTP/1.x request and returns the reply.
 */
export const PAGE_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>puretls browser test</title></head>
<body>
<pre id="log">loading…</pre>
<script type="module">
import * as puretls from '/puretls.js';

const log = (line) => { document.getElementById('log').textContent += '\\n' + line; };

window.puretlsFetch = async ({ relay, serverName, caUrl, request, alpn }) => {
  const ca = await (await fetch(caUrl)).text();
  try {
    const conn = await puretls.connectWebSocket(relay, { serverName, ca, alpn });
    log('connected: ' + conn.info.cipherSuite + ' ' + conn.info.group);
    const writer = conn.writable.getWriter();
    await writer.write(new TextEncoder().encode(request));
    const reader = conn.readable.getReader();
    const parts = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    await conn.close();
    const reply = new TextDecoder().decode(await new Blob(parts).arrayBuffer());
    const { peerCertificates, ...info } = conn.info;
    return { ok: true, info: { ...info, chainLength: peerCertificates.length }, reply };
  } catch (e) {
    return { ok: false, code: e.code ?? null, message: String(e.message ?? e), isTlsError: e instanceof puretls.TlsError };
  }
};
window.puretlsExports = Object.keys(puretls).sort();
window.puretlsReady = true;
log('ready');
</script>
</body>
</html>
`;
