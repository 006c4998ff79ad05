/**
 * The core's behaviour around close and configuration edges, on the RFC 8448
 * §3 connection (deterministic, no network): RFC 8446 §6.1 closure rules,
 * RFC 6066 §3 server names, and a session store that never answers.
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec.js';
import { Connector, TlsError, type SessionStore } from '../../src/index.js';
import { ExtensionType as ET } from '../../src/handshake/constants.js';
import { decodeClientHello } from '../../src/handshake/messages.js';
import { startRun } from '../../src/vectors/replay.js';
import { simple1rtt as v } from '../vectors/rfc8448.js';
import { fromHex, hex, startSimple1Rtt } from '../vectors/replay.js';

async function connected() {
  const r = await startSimple1Rtt();
  await r.core.receive(fromHex(v.serverHelloRecord + v.serverHandshakeRecord));
  expect(r.info).not.toBeNull();
  // The server's records in the RFC's order: the ticket comes first.
  await r.core.receive(fromHex(v.newSessionTicketRecord));
  return r;
}

describe('after our close_notify (RFC 8446 §6.1)', () => {
  it('a write is refused with CLOSED, and the read side still works', async () => {
    const r = await connected();
    const before = r.sent.length;
    await r.core.close();
    expect(r.sent).toHaveLength(before + 1); // the close_notify record
    await expect(r.core.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'CLOSED' });
    expect(r.sent).toHaveLength(before + 1);
    // Half-close: the server may still send, and we still read it.
    await r.core.receive(fromHex(v.serverApplicationDataRecord));
    expect(r.data.map(hex)).toEqual([v.applicationData]);
    expect(r.core.error).toBeNull();
  });

  it('keyUpdate() is refused and nothing follows the close_notify', async () => {
    const r = await connected();
    await r.core.close();
    const sent = r.sent.length;
    await expect(r.core.keyUpdate(true)).rejects.toBeInstanceOf(TlsError);
    expect(r.sent).toHaveLength(sent);
  });
});

describe("after the server's close_notify (RFC 8446 §6.1)", () => {
  it('whatever follows is ignored, even bytes that are not TLS', async () => {
    const r = await connected();
    // The RFC's server close_notify is its second record: its data comes first.
    await r.core.receive(fromHex(v.serverApplicationDataRecord));
    const junk = Uint8Array.of(0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99);
    const closing = fromHex(v.serverAlertRecord);
    const both = new Uint8Array(closing.length + junk.length);
    both.set(closing);
    both.set(junk, closing.length);
    await r.core.receive(both);
    await r.core.receive(junk);
    expect(r.peerClosed).toBe(true);
    expect(r.core.error).toBeNull();
  });
});

describe('server_name (RFC 6066 §3)', () => {
  async function sniOf(serverName: string): Promise<string | null> {
    const run = startRun({
      random: [],
      rfcHello: v.clientHello,
      overrides: {
        serverName,
        random: (n) => new Uint8Array(n).fill(7),
        customizeClientHello: undefined,
      },
    });
    await run.core.start();
    const ch = decodeClientHello(fromHex(run.last('ClientHello')!).subarray(4));
    const sni = ch.extensions.find((e) => e.type === ET.server_name);
    if (!sni) return null;
    const r = new Reader(sni.data, 'server_name');
    const list = r.sub(2);
    list.u8();
    return new TextDecoder().decode(list.vec(2));
  }

  it('sends A-labels, lower case, without the trailing dot', async () => {
    expect(await sniOf('Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(await sniOf('WWW.example.com')).toBe('www.example.com');
  });

  it('never sends an IP address', async () => {
    expect(await sniOf('127.0.0.1')).toBeNull();
    expect(await sniOf('::1')).toBeNull();
  });
});

describe('a session store that never answers', () => {
  it('does not outlive handshakeTimeout', async () => {
    const stuck: SessionStore = { get: () => new Promise(() => undefined), put: () => undefined, delete: () => undefined };
    const connector = new Connector({ sessions: stuck, handshakeTimeout: 100 });
    connector.send(new ReadableStream());
    connector.receive(new ReadableStream());
    await expect(connector.connect('example.com')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('writes held during the handshake', () => {
  it("are copied: a caller's Buffer (whose slice() is a view) changed after write() does not change what is sent", async () => {
    const r = await startSimple1Rtt();
    const buf = Buffer.from(fromHex(v.applicationData));
    const written = r.core.write(buf); // held until the handshake completes
    buf.fill(0); // the caller reuses its buffer
    const before = r.sent.length;
    await r.core.receive(fromHex(v.serverHelloRecord + v.serverHandshakeRecord));
    await written;
    // Our Finished, then the held data as RFC 8448 §3's first application_data record.
    expect(r.sentSince(before)).toBe(v.clientFinishedRecord + v.clientApplicationDataRecord);
  });
});
