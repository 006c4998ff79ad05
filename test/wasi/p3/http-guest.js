// The browser example's guest (componentize-qjs, component-model async):
// name lookup and TCP through wasi:sockets 0.3, TLS through
// wasi:tls/client@0.3.0-draft, then one HTTP/1.1 request. In a page, puretls
// supplies all three (puretls/wasi's browser build, TCP over its relay).
import client from 'wasi:tls/client@0.3.0-draft';
import sockets from 'wasi:sockets/types@0.3.0';
import lookup from 'wasi:sockets/ip-name-lookup@0.3.0';

// QuickJS has no TextEncoder; requests are ASCII, responses are read as Latin-1.
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (e) => (typeof e === 'string' ? e : JSON.stringify(e && e.payload !== undefined ? e.payload : e));

// componentize-qjs will not pass a stream<u8> of one WIT type where another
// is expected (sockets' and tls's are distinct types): bytes are copied.
async function copy(from, to) {
  for await (const chunk of from) await to.writeAll(chunk);
  to.drop();
}

export async function fetch(host, port, path) {
  let addresses;
  try {
    addresses = await lookup.resolveAddresses(host);
  } catch (e) {
    throw `lookup failed: ${text(e)}`;
  }
  const address = addresses[0];
  const socket = sockets.TcpSocket.create(address.tag);
  try {
    await socket.connect(
      address.tag === 'ipv4'
        ? { tag: 'ipv4', val: { port, address: address.val } }
        : { tag: 'ipv6', val: { port, flowInfo: 0, address: address.val, scopeId: 0 } },
    );
  } catch (e) {
    throw `connect failed: ${text(e)}`;
  }

  const connector = new client.Connector();
  const cleartext = wit.Stream(wit.Stream.U8);
  const [ciphertext] = connector.send(cleartext.readable);
  const fromNetwork = wit.Stream(wit.Stream.U8);
  const [plaintext] = connector.receive(fromNetwork.readable);
  const toNetwork = wit.Stream(wit.Stream.U8_2);
  socket.send(toNetwork.readable);
  const [received] = socket.receive();
  // Both copies end when the connection is over: the task leaves nothing running.
  const copies = Promise.all([copy(received, fromNetwork.writable), copy(ciphertext, toNetwork.writable)]);

  const outcome = await connector.start(host).read();
  if (outcome.tag === 'err') {
    cleartext.writable.drop();
    await copies; // the alert reaches the server before the TCP half-close
    throw `handshake failed: ${outcome.val.toDebugString()}`;
  }
  await cleartext.writable.writeAll(ascii(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
  let response = '';
  for await (const chunk of plaintext) response += String.fromCharCode(...chunk);
  cleartext.writable.drop(); // close_notify, then the TCP half-close
  await copies;
  return response;
}
