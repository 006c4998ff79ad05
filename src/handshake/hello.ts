/**
 * The first handshake state (RFC 8446 §4.1, RFC 5246 §7.4.1): sends the
 * ClientHello offering both versions, and lets the ServerHello decide which
 * handshake runs, tls13.ts or tls12.ts.
 */
import type { KeyShare } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import type { HandshakeMessage } from '../record/reassembly.js';
import {
  earlyAlpnOk,
  EarlyData,
  finishHello,
  handshakeName,
  helloExtensions,
  MAX_EARLY_DATA_BUFFER,
  selectVersion,
  suiteFor,
  type HelloContext,
} from './client-hello.js';
import type { TlsVersion } from './config.js';
import { HandshakeType as HT } from './constants.js';
import { deriveSecret } from './key-schedule.js';
import { decodeServerHello } from './messages.js';
import { isSession12, type StoredSession12, type StoredSession13 } from './session.js';
import { Tls12Handshake } from './tls12.js';
import { Tls13Handshake } from './tls13.js';
import { Transcript } from './transcript.js';
import type { Handshake, Wire } from './wire.js';

export { handshakeName, isIpLiteral } from './client-hello.js';

/** The first handshake state: sends the ClientHello, waits for the ServerHello and hands over to the version it chose. */
export class HelloState implements Handshake {
  readonly version: TlsVersion | null = null;
  readonly waitingServerHello = true;
  private ctx: HelloContext | null = null;
  /** A change_cipher_spec before the ServerHello: legal only in TLS 1.3 (RFC 8446 §5). */
  private earlyCcs = false;

  constructor(private readonly wire: Wire) {}

  get canWriteEarlyData(): boolean {
    return !!this.ctx?.earlyData.canWrite;
  }

  writeEarly(data: Uint8Array): Promise<void> {
    return this.ctx!.earlyData.write(this.wire, data);
  }

  /** Builds and sends the ClientHello with `clientRandom` (and the 0-RTT keys). */
  async send(clientRandom: Uint8Array): Promise<void> {
    const wire = this.wire;
    const cfg = wire.config;
    const offer13 = cfg.cipherSuites.length > 0;
    const offer12 = (cfg.tls12CipherSuites?.length ?? 0) > 0;
    // RFC 8446 §D.4: a non-empty legacy_session_id in compatibility mode.
    let sessionId = offer13 && cfg.middleboxCompat ? cfg.random(32) : new Uint8Array(0);
    const keyShares: KeyShare[] = [];
    if (offer13) for (const g of cfg.keyShareGroups) keyShares.push(await cfg.provider.generateKeyShare(g, cfg.random));
    // RFC 8446 §4.6.1: resume only for the name the session verified, with a suite still offered.
    const s = cfg.session;
    const nameOk = !!s && s.serverName.toLowerCase() === cfg.serverName.toLowerCase();
    let session13: StoredSession13 | undefined;
    let session12: StoredSession12 | undefined;
    if (s && nameOk && isSession12(s)) {
      if (offer12 && cfg.tls12CipherSuites!.some((x) => x.name === s.cipherSuite)) session12 = s;
    } else if (s && nameOk && !isSession12(s)) {
      if (offer13 && cfg.cipherSuites.some((x) => x.name === s.cipherSuite)) session13 = s;
    }
    if (session12) {
      // RFC 5077 §3.4: a ticket goes with a fresh session ID, which the server echoes to accept it.
      sessionId = session12.ticket.length ? (sessionId.length ? sessionId : cfg.random(32)) : session12.sessionId;
    }
    const earlyData = new EarlyData(Math.min(session13?.maxEarlyData ?? 0, MAX_EARLY_DATA_BUFFER));
    const ctx: HelloContext = {
      wire,
      clientRandom,
      sessionId,
      keyShares,
      hello: { random: clientRandom, sessionId, cipherSuites: [], extensions: [] },
      transcript: new Transcript(),
      offer13,
      offer12,
      session13,
      session12,
      pskOffered: false,
      early: null,
      earlyData,
      helloMessage: new Uint8Array(0),
      ccsSent: false,
    };
    const hello = ctx.hello;
    hello.cipherSuites = [...cfg.cipherSuites.map((x) => x.code), ...(cfg.tls12CipherSuites ?? []).map((x) => x.code)];
    hello.extensions = helloExtensions(ctx);
    cfg.customizeClientHello?.(hello);
    this.ctx = ctx;
    earlyData.offered = !!session13 && cfg.earlyData && session13.maxEarlyData > 0 && earlyAlpnOk(cfg.alpn, session13);
    const message = finishHello(ctx, session13, earlyData.offered);
    await wire.writeJob(async () => {
      // RFC 8446 §5.1: the initial ClientHello may use record version 0x0301.
      await wire.emitHandshake([message], 0x0301);
      if (earlyData.offered) {
        // RFC 8446 §4.2.10: early data under client_early_traffic_secret.
        const hash = cfg.provider.hash(suiteFor(session13!.cipherSuite).hash);
        const secret = deriveSecret(hash, ctx.early!, 'c e traffic', hash.digest(message));
        wire.keyLog('CLIENT_EARLY_TRAFFIC_SECRET', secret);
        wire.trace('client_early_traffic_secret', secret);
        await Tls13Handshake.installEarlyKeys(ctx, suiteFor(session13!.cipherSuite), secret);
      }
    });
  }

  onChangeCipherSpec(): void {
    // RFC 8446 §5: a 1.3 server may send it before its ServerHello; a 1.2 one may not.
    if (!this.ctx?.offer13) throw new TlsError('UNEXPECTED_MESSAGE', 'change_cipher_spec before the ServerHello');
    this.earlyCcs = true;
  }

  async onMessage(msg: HandshakeMessage): Promise<Handshake> {
    const ctx = this.ctx!;
    if (msg.type !== HT.server_hello) {
      throw new TlsError('UNEXPECTED_MESSAGE', `unexpected ${handshakeName(msg.type)} in state wait_sh`);
    }
    const sh = decodeServerHello(msg.body);
    if (selectVersion(ctx, sh) === 'TLSv1.3') {
      const hs = new Tls13Handshake(ctx);
      await hs.onServerHello(sh, msg);
      return hs;
    }
    if (this.earlyCcs) throw new TlsError('UNEXPECTED_MESSAGE', 'change_cipher_spec before a TLS 1.2 ServerHello');
    const hs = new Tls12Handshake(ctx);
    await hs.onServerHello(sh, msg);
    return hs;
  }
}
