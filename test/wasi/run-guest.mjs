#!/usr/bin/env node
/**
 * Runs one wasi:tls connection in a fresh Node process (the guest blocks the
 * main thread while it polls, so it gets a process of its own) and prints a
 * JSON line: { ok, value | error, ms }.
 *
 *   node test/wasi/run-guest.mjs guest PORT SERVER_NAME REQUEST CA_FILE
 *     the jco-transpiled component (BUILD/guest-js/guest.js) does everything
 *   node test/wasi/run-guest.mjs host PORT SERVER_NAME REQUEST CA_FILE
 *     the same steps written in JS against preview2-shim's wasi:sockets,
 *     calling puretls/wasi's wasi:tls/types classes directly (no component)
 *
 * BUILD is $PURETLS_WASI_BUILD or test/wasi/.build; it holds `dist/`
 * (puretls compiled with tsc) and `guest-js/` (scripts/build-wasi-guest.mjs).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.resolve(process.env.PURETLS_WASI_BUILD ?? path.join(HERE, '.build'));
const [mode, portText, serverName, request, caFile] = process.argv.slice(2);
const port = Number(portText);

const host = await import(pathToFileURL(path.join(BUILD, 'dist', 'wasi', 'index.js')).href);
host.configure({ ca: readFileSync(caFile, 'utf8'), handshakeTimeout: 20_000 });

function errorText(e) {
  if (e && typeof e === 'object' && 'payload' in e) return String(e.payload);
  return e instanceof Error ? e.message : String(e);
}

/** The guest's steps, in JS on the host side of the same wasi:io objects. */
async function runOnHost() {
  const { sockets } = await import('@bytecodealliance/preview2-shim');
  const socket = sockets.tcpCreateSocket.createTcpSocket('ipv4');
  socket.startConnect(sockets.instanceNetwork.instanceNetwork(), {
    tag: 'ipv4',
    val: { port, address: [127, 0, 0, 1] },
  });
  const connecting = socket.subscribe();
  let tcp;
  for (;;) {
    try {
      tcp = socket.finishConnect();
      break;
    } catch (e) {
      if (e !== 'would-block') throw e;
      connecting.block();
    }
  }
  const future = host.ClientHandshake.finish(new host.ClientHandshake(serverName, tcp[0], tcp[1]));
  const ready = future.subscribe();
  let outcome;
  while ((outcome = future.get()) === undefined) ready.block();
  if (outcome.val.tag === 'err') throw new Error(`handshake failed: ${outcome.val.val.toDebugString()}`);
  const [connection, input, output] = outcome.val.val;
  output.blockingWriteAndFlush(new TextEncoder().encode(request));
  connection.closeOutput();
  let reply = '';
  for (;;) {
    try {
      reply += new TextDecoder().decode(input.blockingRead(4096n));
    } catch (e) {
      if (e?.tag === 'closed') break;
      throw new Error(e?.tag === 'last-operation-failed' ? e.val.toDebugString() : String(e));
    }
  }
  return { reply, alpn: connection.alpn, cipherSuite: connection.cipherSuite };
}

const started = performance.now();
let line;
try {
  if (mode === 'guest') {
    const { run } = await import(pathToFileURL(path.join(BUILD, 'guest-js', 'guest.js')).href);
    line = { ok: true, value: run(port, serverName, request) };
  } else if (mode === 'host') {
    line = { ok: true, value: await runOnHost() };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  line = { ok: false, error: errorText(e) };
}
line.ms = Math.round(performance.now() - started);
process.stdout.write(`${JSON.stringify(line)}\n`);
process.exit(0);
