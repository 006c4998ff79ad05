// A WebAssembly component (built by componentize-js) that speaks TLS through
// wasi:tls over a wasi:sockets TCP connection: the guest of test/wasi/wasi.test.ts.
import { ClientHandshake } from 'wasi:tls/types@0.2.0-draft';
import { instanceNetwork } from 'wasi:sockets/instance-network@0.2.12';
import { createTcpSocket } from 'wasi:sockets/tcp-create-socket@0.2.12';

const CHUNK = 4096;

// Imports report a WIT `result` error by throwing; the payload may come wrapped.
function payload(e) {
  return e !== null && typeof e === 'object' && 'payload' in e ? e.payload : e;
}

function describe(e) {
  const p = payload(e);
  if (p && typeof p === 'object' && p.tag === 'last-operation-failed') return `stream failed: ${p.val.toDebugString()}`;
  if (p && typeof p === 'object' && 'tag' in p) return `stream ${p.tag}`;
  return String(p);
}

function connectTcp(port) {
  const socket = createTcpSocket('ipv4');
  socket.startConnect(instanceNetwork(), { tag: 'ipv4', val: { port, address: [127, 0, 0, 1] } });
  const ready = socket.subscribe();
  for (;;) {
    try {
      const [input, output] = socket.finishConnect();
      return { socket, input, output };
    } catch (e) {
      if (payload(e) !== 'would-block') throw new Error(`connect failed: ${describe(e)}`);
      ready.block();
    }
  }
}

function handshake(serverName, tcp) {
  const future = ClientHandshake.finish(new ClientHandshake(serverName, tcp.input, tcp.output));
  const ready = future.subscribe();
  let outcome;
  while ((outcome = future.get()) === undefined) ready.block();
  if (outcome.tag === 'err') throw new Error('the handshake result was already taken');
  if (outcome.val.tag === 'err') throw new Error(`handshake failed: ${outcome.val.val.toDebugString()}`);
  return outcome.val.val;
}

function writeAll(output, bytes) {
  for (let i = 0; i < bytes.length; i += CHUNK) {
    output.blockingWriteAndFlush(bytes.subarray(i, i + CHUNK));
  }
}

// Everything the server sends until its close_notify ends the stream.
function readAll(input) {
  const chunks = [];
  for (;;) {
    let chunk;
    try {
      chunk = input.blockingRead(BigInt(CHUNK));
    } catch (e) {
      const p = payload(e);
      if (p && p.tag === 'closed') break;
      throw new Error(describe(e));
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function run(port, serverName, request) {
  // `tcp.socket` must outlive the TLS streams: dropping it closes the connection.
  const tcp = connectTcp(port);
  try {
    const [connection, input, output] = handshake(serverName, tcp);
    writeAll(output, new TextEncoder().encode(request));
    connection.closeOutput();
    return new TextDecoder().decode(readAll(input));
  } catch (e) {
    throw e instanceof Error ? e.message : describe(e);
  } finally {
    void tcp.socket;
  }
}
