import { it } from 'vitest';
import { WebSocket } from 'ws';
import { connectWebSocket, type WebSocketConstructorLike } from '../../src/websocket.js';
import { loadCert, startOpenSslServer } from '../peers/index.js';
import { startRelay } from './relay.js';
it('dbg', async () => {
  const www = await startOpenSslServer({ fixture: 'server-p256', mode: 'www', msg: true });
  const relay = await startRelay({ target: { host: '127.0.0.1', port: www.port } });
  const t = setTimeout(() => { console.log('STATS', relay.stats); console.log(www.output.slice(-3000)); }, 5000);
  try {
    const conn = await connectWebSocket(relay.url, { serverName: 'localhost', ca: loadCert('root').cert, WebSocket: WebSocket as unknown as WebSocketConstructorLike, trace: (l) => console.log('trace', l) });
    console.log('connected');
  } finally { await new Promise(r => setTimeout(r, 5500)); clearTimeout(t); await relay.stop(); await www.stop(); }
}, 20000);
