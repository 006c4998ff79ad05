// A wasi:tls 0.3 guest (componentize-qjs, component-model async): TCP
// through wasi:sockets 0.3, TLS through wasi:tls/client@0.3.0-draft, which
// the host supplies from puretls/wasi. The guest of test/wasi/p3.test.ts.
import client from 'wasi:tls/client@0.3.0-draft';
import sockets from 'wasi:sockets/types@0.3.0';

// componentize-qjs will not pass a stream<u8> of one WIT type where another
// stream<u8> type is expected (sockets' and tls's are distinct types), so
// bytes cross between them through a copy.
async function copy(from, to) {
  for await (const chunk of from) await to.writeAll(chunk);
  to.drop();
}

// QuickJS has no TextEncoder; the test only sends ASCII.
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

export async function run(port, serverName, request) {
  const socket = sockets.TcpSocket.create('ipv4');
  await socket.connect({ tag: 'ipv4', val: { port, address: [127, 0, 0, 1] } });

  const connector = new client.Connector();
  const cleartext = wit.Stream(wit.Stream.U8);
  const [ciphertext] = connector.send(cleartext.readable);
  const fromNetwork = wit.Stream(wit.Stream.U8);
  const [plaintext] = connector.receive(fromNetwork.readable);
  const toNetwork = wit.Stream(wit.Stream.U8_2);
  socket.send(toNetwork.readable);
  const [received] = socket.receive();
  copy(received, fromNetwork.writable);
  copy(ciphertext, toNetwork.writable);

  // A future<T> arrives as a readable end; read() resolves with the T.
  const outcome = await connector.start(serverName).read();
  if (outcome.tag === 'err') throw `handshake failed: ${outcome.val.toDebugString()}`;
  await cleartext.writable.writeAll(ascii(request));
  cleartext.writable.drop(); // close_notify
  let reply = '';
  for await (const chunk of plaintext) reply += String.fromCharCode(...chunk);
  return reply;
}
