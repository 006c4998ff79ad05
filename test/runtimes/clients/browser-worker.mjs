// A module Web Worker: it owns the TLS connection (WebSocket to the relay,
// puretls from the published browser build), so the page's thread does none
// of the work. Messages: { id, relay, ca?, crypto? } -> { id, result }.
import { connectWebSocket, selectProvider } from '/puretls.js';
import { attempt, exchange, summary } from '/common.mjs';

self.onmessage = async ({ data }) => {
  const { id, relay, ca, crypto } = data;
  const startedAt = Date.now();
  let connectedAt = null;
  const result = await attempt(id, async () => {
    const conn = await connectWebSocket(relay, { serverName: 'localhost', sessions: false, ...(ca ? { ca } : {}), ...(crypto ? { crypto } : {}) });
    connectedAt = Date.now();
    return { info: summary(conn.info), reply: await exchange(conn), provider: selectProvider(crypto).name };
  });
  self.postMessage({ id, result: { ...result, startedAt, connectedAt, endedAt: Date.now(), inWorker: typeof document === 'undefined' } });
};
self.postMessage({ ready: true });
