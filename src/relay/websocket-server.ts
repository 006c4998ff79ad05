/**
 * The server side of RFC 6455 WebSockets, as much as the relay needs: the
 * upgrade handshake, masked client frames (fragmented or not), binary and
 * short text messages, ping/pong and the close handshake. Binary payloads
 * are handed on as they arrive, so a frame of any size takes no more memory
 * than the socket's reads. No extensions
 * (permessage-deflate is never negotiated). Node only.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Text messages are control words: a few bytes. */
const MAX_TEXT = 1024;

/** What a {@link WebSocketConnection} reports. */
export interface WebSocketHandlers {
  /** Payload bytes of a binary message (a fragment may arrive on its own). */
  binary(data: Buffer): void;
  /** A whole text message. */
  text(message: string): void;
  /** The connection is over: the peer's close code (1005 when it sent none, 1006 when the socket just ended). */
  close(code: number, reason: string): void;
  /** The send buffer fell below the high-water mark. */
  drain(): void;
}

/** Why an upgrade request cannot be accepted (the HTTP status to answer with), or null when it can. */
export function checkUpgrade(req: IncomingMessage): number | null {
  if (req.method !== 'GET') return 405;
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 400;
  if (req.headers['sec-websocket-version'] !== '13') return 426;
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) return 400;
  return null;
}

/** Answers an upgrade request with an HTTP error and ends the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The subprotocols a client offered (Sec-WebSocket-Protocol). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return (typeof header === 'string' ? header : '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** One accepted WebSocket on a raw socket. */
export class WebSocketConnection {
  readonly #socket: Duplex;
  readonly #handlers: WebSocketHandlers;
  readonly #highWater: number;
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: { opcode: number; parts: Buffer[]; size: number } | null = null;
  /** The binary frame being received: payload bytes still to come, and its mask. */
  #payload: { remaining: number; mask: Buffer; offset: number; fin: boolean } | null = null;
  #closeSent = false;
  #closed = false;
  #closeTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Writes the 101 response (with `protocol` when given) and starts reading.
   * `head` is the bytes Node read past the request.
   */
  constructor(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    handlers: WebSocketHandlers,
    options: { protocol?: string; highWaterMark?: number } = {},
  ) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#highWater = options.highWaterMark ?? 1 << 20;
    const key = String(req.headers['sec-websocket-key']);
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
    if (options.protocol) lines.push(`Sec-WebSocket-Protocol: ${options.protocol}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('drain', () => handlers.drain());
    socket.on('error', () => this.#finish(1006, 'socket error'));
    socket.on('close', () => this.#finish(1006, 'socket closed'));
    if (head.length > 0) queueMicrotask(() => this.#receive(head));
  }

  /** Bytes queued on the socket and not yet written. */
  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** True until a close frame was sent or the socket ended. */
  get open(): boolean {
    return !this.#closeSent && !this.#closed;
  }

  /** Sends a binary message; false when the send buffer is over the high-water mark (wait for `drain`). */
  send(data: Uint8Array): boolean {
    if (!this.open) return false;
    this.#frame(OP_BINARY, data);
    return this.#socket.writableLength < this.#highWater;
  }

  /** Sends a text message. */
  sendText(message: string): void {
    if (this.open) this.#frame(OP_TEXT, Buffer.from(message, 'utf8'));
  }

  /** Stops reading the peer (backpressure toward the client). */
  pause(): void {
    this.#socket.pause();
  }

  /** Reads the peer again. */
  resume(): void {
    this.#socket.resume();
  }

  /** Sends a close frame, then ends the socket when the peer answers (or after a second). */
  close(code: number, reason = ''): void {
    if (this.#closeSent || this.#closed) return;
    this.#closeSent = true;
    const text = Buffer.from(reason, 'utf8').subarray(0, 123);
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    this.#frame(OP_CLOSE, payload);
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), 1000);
    this.#closeTimer.unref?.();
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.#socket.destroy();
    this.#finish(1006, 'terminated');
  }

  #frame(opcode: number, payload: Uint8Array): void {
    const n = payload.byteLength;
    const header = Buffer.alloc(n < 126 ? 2 : n < 0x10000 ? 4 : 10);
    header[0] = 0x80 | opcode;
    if (n < 126) header[1] = n;
    else if (n < 0x10000) {
      header[1] = 126;
      header.writeUInt16BE(n, 2);
    } else {
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(n), 2);
    }
    this.#socket.cork();
    this.#socket.write(header);
    if (n > 0) this.#socket.write(payload);
    this.#socket.uncork();
  }

  #fail(code: number, reason: string): void {
    this.close(code, reason);
    this.#buffer = Buffer.alloc(0);
    this.#socket.pause();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (!this.#closed) {
      const s = this.#payload;
      if (s) {
        // Inside a binary frame: unmask and hand over whatever has arrived.
        const n = Math.min(s.remaining, this.#buffer.length);
        if (n === 0 && s.remaining > 0) return;
        const part = Buffer.from(this.#buffer.subarray(0, n));
        for (let i = 0; i < n; i++) part[i]! ^= s.mask[(s.offset + i) & 3]!;
        s.offset += n;
        s.remaining -= n;
        this.#buffer = this.#buffer.subarray(n);
        if (n > 0 && !this.#closeSent) this.#handlers.binary(part);
        if (s.remaining === 0) {
          this.#payload = null;
          if (s.fin) this.#fragments = null;
        }
        continue;
      }
      const b = this.#buffer;
      if (b.length < 2) return;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      if ((b[0]! & 0x70) !== 0) return this.#fail(1002, 'reserved bits set');
      if ((b[1]! & 0x80) === 0) return this.#fail(1002, 'client frames must be masked');
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.#fail(1009, 'frame too big');
        length = Number(big);
        offset = 10;
      }
      if (b.length < offset + 4) return;
      const mask = Buffer.from(b.subarray(offset, offset + 4));
      const binaryData = opcode === OP_BINARY || (opcode === OP_CONTINUATION && this.#fragments?.opcode === OP_BINARY);
      if (binaryData) {
        if (opcode === OP_BINARY) {
          if (this.#fragments) return this.#fail(1002, 'new message inside a fragmented one');
          if (!fin) this.#fragments = { opcode, parts: [], size: 0 };
        }
        this.#buffer = b.subarray(offset + 4);
        this.#payload = { remaining: length, mask, offset: 0, fin };
        continue;
      }
      // Text and control frames are short: wait for the whole frame.
      if (length > MAX_TEXT) return this.#fail(1009, 'text or control frame too big');
      if (b.length < offset + 4 + length) return;
      const payload = Buffer.from(b.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      this.#buffer = b.subarray(offset + 4 + length);
      this.#message(fin, opcode, payload);
    }
  }

  #message(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP_CLOSE) {
      if (!fin || payload.length > 125) return this.#fail(1002, 'bad control frame');
      if (opcode === OP_PING) this.#frame(OP_PONG, payload);
      else if (opcode === OP_CLOSE) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.subarray(2).toString('utf8');
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#frame(OP_CLOSE, payload.subarray(0, 2));
        }
        this.#socket.end();
        this.#finish(code, reason);
      } else if (opcode !== OP_PONG) this.#fail(1002, 'unknown opcode');
      return;
    }
    if (this.#closeSent) return; // after our close frame, only the peer's close matters
    if (opcode === OP_CONTINUATION) {
      const f = this.#fragments;
      if (!f) return this.#fail(1002, 'continuation without a message');
      f.parts.push(payload);
      f.size += payload.length;
      if (f.size > MAX_TEXT) return this.#fail(1009, 'text message too big');
      if (fin) {
        this.#fragments = null;
        this.#handlers.text(Buffer.concat(f.parts).toString('utf8'));
      }
      return;
    }
    if (this.#fragments) return this.#fail(1002, 'new message inside a fragmented one');
    if (opcode === OP_TEXT) {
      if (fin) this.#handlers.text(payload.toString('utf8'));
      else this.#fragments = { opcode, parts: [payload], size: payload.length };
    } else this.#fail(1002, 'unknown opcode');
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#handlers.close(code, reason);
  }
}
