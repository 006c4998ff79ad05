/**
 * QuickJS (npm quickjs-emscripten): an engine with no WebCrypto, no WHATWG
 * streams, no sockets, no timers and no TextEncoder. The published browser
 * build (package.json "exports" ./browser) is loaded into it as a module,
 * and the sans-IO core runs there: ClientConnection with the noble
 * provider, configured by clientConfig(). This host moves every byte
 * between the engine and a TCP socket to `openssl s_server -rev`, and
 * supplies the one thing puretls needs from the platform: entropy.
 *
 * Shown: a verified handshake ('auto' is noble there), a line out and its
 * reversal back, close_notify both ways; X25519MLKEM768 with Node 26; a wrong CA refused; without the
 * `ca`, the bundled roots imported on demand; and each missing requirement
 * (no entropy source, no streams for the Connector, no BigInt, no typed
 * arrays) refused at construction with UNSUPPORTED_RUNTIME, by name.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import * as path from 'node:path';
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCert, startOpenSslServer, type OpenSslServer } from '../peers/index.js';
import { startNode26TlsServer, type Node26TlsServer } from '../peers/node26-server.js';
import { CLIENTS, exportPath, makeConsumer, MESSAGE, packageVersion, REVERSED, type Consumer } from './harness.js';

interface GuestEvent {
  type: 'connected' | 'peerClosed' | 'error';
  at?: string;
  code?: string | null;
  message?: string;
  isTlsError?: boolean;
  info?: Record<string, unknown>;
}

interface Session {
  socket: Socket | null;
  events: GuestEvent[];
  data: Buffer[];
  wake: () => void;
}

/** The engine, the guest module loaded, and the host functions it calls. */
class Engine {
  readonly sessions = new Map<string, Session>();
  private guest!: QuickJSHandle;

  constructor(
    readonly runtime: QuickJSRuntime,
    readonly vm: QuickJSContext,
  ) {}

  static async start(modules: Record<string, string>): Promise<Engine> {
    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    runtime.setMaxStackSize(0);
    runtime.setModuleLoader((name) => {
      const source = modules[name.replace(/^\.\//, '')];
      if (source === undefined) return { error: new Error(`no module ${name}`) };
      return source;
    });
    const engine = new Engine(runtime, runtime.newContext());
    engine.installHost();
    const loaded = engine.vm.evalCode(modules['guest.mjs']!, 'guest.mjs', { type: 'module' });
    engine.vm.unwrapResult(loaded).dispose();
    engine.pump();
    engine.guest = engine.vm.getProp(engine.vm.global, 'guest');
    return engine;
  }

  private installHost(): void {
    const vm = this.vm;
    const host = vm.newObject();
    const fn = (name: string, f: (...args: QuickJSHandle[]) => QuickJSHandle | undefined) => {
      const h = vm.newFunction(name, f);
      vm.setProp(host, name, h);
      h.dispose();
    };
    const bytes = (h: QuickJSHandle): Buffer => {
      const lifetime = vm.getArrayBuffer(h);
      const copy = Buffer.from(lifetime.value);
      lifetime.dispose();
      return copy;
    };
    fn('random', (n) => vm.newArrayBuffer(new Uint8Array(randomBytes(vm.getNumber(n))).buffer));
    fn('send', (id, buf) => {
      this.sessions.get(vm.getString(id))?.socket?.write(bytes(buf));
      return undefined;
    });
    fn('data', (id, buf) => {
      const s = this.sessions.get(vm.getString(id));
      s?.data.push(bytes(buf));
      s?.wake();
      return undefined;
    });
    fn('event', (id, json) => {
      const s = this.sessions.get(vm.getString(id));
      s?.events.push(JSON.parse(vm.getString(json)) as GuestEvent);
      s?.wake();
      return undefined;
    });
    vm.setProp(vm.global, 'host', host);
    host.dispose();
  }

  /** Runs the engine's promise jobs until none are left. */
  pump(): void {
    for (;;) {
      const r = this.runtime.executePendingJobs();
      if (r.error) {
        const e = this.vm.dump(r.error) as unknown;
        r.error.dispose();
        throw new Error(`QuickJS job failed: ${JSON.stringify(e)}`);
      }
      if (r.value === 0) return;
    }
  }

  /** Calls guest[name](...args): strings and ArrayBuffers in, a string (or undefined) out. */
  call(name: string, ...args: (string | Uint8Array)[]): string | undefined {
    const vm = this.vm;
    const f = vm.getProp(this.guest, name);
    const handles = args.map((a) => (typeof a === 'string' ? vm.newString(a) : vm.newArrayBuffer(a.slice().buffer)));
    const r = vm.callFunction(f, vm.undefined, ...handles);
    for (const h of handles) h.dispose();
    f.dispose();
    const out = vm.unwrapResult(r);
    const value = vm.typeof(out) === 'string' ? vm.getString(out) : undefined;
    out.dispose();
    this.pump();
    return value;
  }

  dispose(): void {
    this.guest?.dispose();
    this.vm.dispose();
    this.runtime.dispose();
  }
}

const until = async (s: Session, done: () => boolean, what: string, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s.events)}`);
    await new Promise<void>((resolve) => {
      s.wake = resolve;
      setTimeout(resolve, 50);
    });
  }
};

describe('QuickJS (no WebCrypto, no streams, no sockets): the sans-IO core, bytes moved by the host', () => {
  let consumer: Consumer;
  let server: OpenSslServer;
  let pqServer: Node26TlsServer;
  let engine: Engine;
  let next = 0;

  beforeAll(async () => {
    consumer = makeConsumer([]);
    const bundle = exportPath(path.join(consumer.dir, 'node_modules', 'puretls'), './browser');
    engine = await Engine.start({
      'guest.mjs': readFileSync(path.join(CLIENTS, 'quickjs-guest.mjs'), 'utf8'),
      'puretls.js': readFileSync(bundle, 'utf8'),
      'puretls-mozilla-roots.js': readFileSync(path.join(path.dirname(bundle), 'puretls-mozilla-roots.js'), 'utf8'),
    });
    server = await startOpenSslServer({ fixture: 'server-p256', mode: 'rev', msg: false });
    pqServer = await startNode26TlsServer({ ecdhCurve: 'X25519MLKEM768' });
  }, 60_000);

  afterAll(async () => {
    engine?.dispose();
    await server?.stop();
    await pqServer?.stop();
    consumer?.remove();
  });

  /** One connection: handshake, MESSAGE out, one line back, close_notify both ways. */
  async function exchange(options: Record<string, unknown>, port = server.port) {
    const id = `c${next++}`;
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const s: Session = { socket, events: [], data: [], wake: () => undefined };
    engine.sessions.set(id, s);
    let ended = false;
    socket.on('data', (chunk: Buffer) => engine.call('receive', id, new Uint8Array(chunk)));
    socket.on('close', () => {
      ended = true;
      s.wake();
    });
    const started = Date.now();
    try {
      engine.call('open', id, JSON.stringify({ serverName: 'localhost', ...options }));
      const settled = () => s.events.some((e) => e.type === 'connected' || e.type === 'error');
      await until(s, () => settled() || ended, 'the handshake');
      const failed = s.events.find((e) => e.type === 'error');
      if (failed) return { ok: false as const, ...failed, ms: Date.now() - started };
      const info = s.events.find((e) => e.type === 'connected')!.info!;
      const handshakeMs = Date.now() - started;
      engine.call('write', id, new TextEncoder().encode(MESSAGE + '\n'));
      await until(s, () => Buffer.concat(s.data).includes(0x0a), 'the reply');
      engine.call('close', id);
      await until(s, () => s.events.some((e) => e.type === 'peerClosed'), "the server's close_notify");
      return { ok: true as const, info, reply: Buffer.concat(s.data).toString('utf8'), handshakeMs, events: s.events };
    } finally {
      socket.destroy();
      engine.sessions.delete(id);
    }
  }

  it('the engine has no crypto, streams, TextEncoder, timers or sockets; with the host entropy, puretls needs nothing else', () => {
    const f = JSON.parse(engine.call('features')!) as {
      missingWithoutRandom: string[];
      missingWithRandom: string[];
      globals: Record<string, string>;
      autoProvider: string;
    };
    expect(f.globals).toEqual({
      crypto: 'undefined',
      ReadableStream: 'undefined',
      TextEncoder: 'undefined',
      TextDecoder: 'undefined',
      setTimeout: 'undefined',
      WebSocket: 'undefined',
      fetch: 'undefined',
    });
    expect(f.missingWithRandom).toEqual([]);
    expect(f.missingWithoutRandom).toEqual(['an entropy source (crypto.getRandomValues, or the `random` option)']);
    expect(f.autoProvider).toBe('noble');
    expect(packageVersion('quickjs-emscripten')).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('verified handshake, data both ways, clean close', async () => {
    const r = await exchange({ ca: loadCert('root').cert });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    // OpenSSL 3.0 has no ML-KEM: x25519 (the next test has X25519MLKEM768).
    expect(r.info).toMatchObject({ version: 'TLSv1.3', serverName: 'localhost', chainLength: 2, anchor: 'CN=puretls test root', group: 'x25519' });
    expect(r.reply).toBe(REVERSED);
  }, 120_000);

  it('X25519MLKEM768 with Node 26 (OpenSSL 3.5), an echo server', async () => {
    const r = await exchange({ ca: loadCert('root').cert, groups: ['X25519MLKEM768'] }, pqServer.port);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.info).toMatchObject({ version: 'TLSv1.3', group: 'X25519MLKEM768', anchor: 'CN=puretls test root' });
    expect(r.reply).toBe(MESSAGE + '\n');
  }, 120_000);

  it('a wrong CA fails verification', async () => {
    const r = await exchange({ ca: loadCert('rsa-root').cert, groups: ['x25519'] });
    expect(r).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT', isTlsError: true });
  }, 120_000);

  it('without ca, the bundled roots are imported on demand (and do not trust the test root)', async () => {
    const r = await exchange({ groups: ['x25519'] });
    expect(r).toMatchObject({ ok: false, code: 'CERT_UNTRUSTED_ROOT' });
  }, 120_000);

  describe('a missing requirement fails at construction, by name', () => {
    it('no entropy source (QuickJS has no crypto.getRandomValues and no `random` was given)', async () => {
      const r = await exchange({ ca: loadCert('root').cert, noRandom: true });
      expect(r).toMatchObject({ ok: false, at: 'construction', code: 'UNSUPPORTED_RUNTIME', isTlsError: true });
      expect(r.ok ? '' : r.message).toMatch(/lacks an entropy source \(crypto\.getRandomValues, or the `random` option\)$/);
    });

    it('no WHATWG streams: the Connector says so (ClientConnection is the API there)', () => {
      const r = JSON.parse(engine.call('connector')!) as Record<string, unknown>;
      expect(r).toMatchObject({ ok: false, code: 'UNSUPPORTED_RUNTIME', message: 'Connector cannot run in this JavaScript engine: it lacks ReadableStream' });
    });

    it.each(['BigInt', 'Uint32Array', 'DataView'])('no %s', (name) => {
      const r = JSON.parse(engine.call('without', name, JSON.stringify({ serverName: 'localhost', ca: loadCert('root').cert }))!) as Record<string, unknown>;
      expect(r).toMatchObject({ ok: false, code: 'UNSUPPORTED_RUNTIME', message: `ClientConnection cannot run in this JavaScript engine: it lacks ${name}` });
    });
  });
});
