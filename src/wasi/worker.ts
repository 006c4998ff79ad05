/**
 * The half of the wasi:tls 0.2 host that runs inside preview2-shim's IO
 * worker, next to the guest's TCP sockets. The guest blocks the main
 * thread (Atomics.wait) on every poll, so the TLS engine has to live here,
 * where the event loop keeps turning while the guest waits.
 *
 * Loaded by the worker through `callExtension(new URL('./worker.js'), ...)`.
 */
import type { Readable, Writable } from 'node:stream';
import type { WorkerExtension, WorkerExtensionContext } from '@bytecodealliance/preview2-shim/io-worker';
import { Connector } from '../connector.js';
import { TlsError } from '../errors.js';
import { nodeReadable, pipeToNode, readNode, WritableBridge } from './bridge.js';
import { connectorOptions } from './options.js';
import {
  OP_CLOSE_OUTPUT,
  OP_DROP,
  OP_HANDSHAKE,
  type HandshakeArgs,
  type HandshakeFailure,
  type HandshakeResult,
} from './protocol.js';

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function flatten(e: unknown): HandshakeFailure {
  if (e instanceof TlsError) return { code: e.code, message: e.toDebugString() };
  return { code: 'INTERNAL_ERROR', message: asError(e).message };
}

/** The worker extension preview2-shim loads: runs handshakes and answers the main thread's operations (protocol.ts). */
export default function createExtension(ctx: WorkerExtensionContext): WorkerExtension {
  const live = new Map<number, WritableBridge>();
  let nextId = 0;

  function handshake([serverName, inputId, outputId, options]: HandshakeArgs): number {
    let network: Readable;
    let toNetwork: Writable;
    try {
      network = ctx.getStream(inputId) as Readable;
      toNetwork = ctx.getStream(outputId) as Writable;
    } catch {
      // The shim throws { tag: 'closed' } for a stream that is gone.
      const failure: HandshakeFailure = { code: 'CONNECTION_CLOSED', message: 'the TCP streams are already closed' };
      return ctx.createFuture(Promise.reject(failure));
    }
    // Socket errors reach the Connector through the adapters; an unlistened one would kill the worker.
    network.on('error', () => undefined);
    toNetwork.on('error', () => undefined);

    const connector = new Connector(connectorOptions(options));
    const cleartext = new WritableBridge();
    const [ciphertext, sent] = connector.send(cleartext.readable);
    const [plaintext, received] = connector.receive(readNode(network));
    const flushed = pipeToNode(ciphertext, toNetwork).catch(() => undefined);
    sent.catch((e: unknown) => cleartext.fail(asError(e)));
    let connection = 0;
    // Both directions over and our last record out: nothing more will use the socket.
    void Promise.allSettled([sent, received, flushed]).then(() => {
      network.destroy();
      toNetwork.destroy();
      live.delete(connection);
    });

    const result = connector.connect(serverName).then(
      (info): HandshakeResult => {
        connection = ++nextId;
        live.set(connection, cleartext);
        return {
          connection,
          input: ctx.createReadableStream(nodeReadable(plaintext)),
          output: ctx.createWritableStream(cleartext.writable),
          alpn: info.alpn,
          cipherSuite: info.cipherSuite,
        };
      },
      (e: unknown) => {
        throw flatten(e);
      },
    );
    // The shim hands whatever the promise settles with to FutureClientStreams.get().
    return ctx.createFuture(result as Promise<unknown> as Promise<void>);
  }

  return (operation, args) => {
    switch (operation) {
      case OP_HANDSHAKE:
        return handshake(args as HandshakeArgs);
      case OP_CLOSE_OUTPUT: {
        live.get(args[0] as number)?.writable.end();
        return undefined;
      }
      case OP_DROP:
        live.delete(args[0] as number);
        return undefined;
      default:
        throw new Error(`puretls wasi:tls worker: unknown operation ${operation}`);
    }
  };
}
