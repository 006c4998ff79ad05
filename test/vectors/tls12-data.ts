// TLS 1.2 known-answer vectors (data only). Written by scripts/record-tls12-vectors.mjs: run
// it again to regenerate (new randoms every run). Hex strings are lowercase, no spaces.
//
// Public vectors (copied byte for byte):
//   TLS12_PRF_VECTORS  the TLS 1.2 PRF vectors posted to the IETF TLS list,
//                      https://www.ietf.org/mail-archive/web/tls/current/msg03416.html, as quoted
//                      in BearSSL test/test_crypto.c lines 1113-1126 (read in the GitHub mirror
//                      unkaktus/bearssl at 6a1dab03beac9a324fdaed36ffdeb5081ac64b9a).
//   TLS12_EMS_VECTORS[0]  aws/s2n-tls tests/unit/s2n_tls_prf_test.c lines 283-297 (commit
//                      8cbf81ad74968a1d03efbd9352a89abd292232d4), "pulled from an OpenSSL TLS1.2 EMS
//                      session" with ECDHE-ECDSA-AES256-GCM-SHA384 (SHA-384 PRF).
//
// Recorded vectors (OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026), 2026-12-01, Node v20.20.2):
//   openssl s_client -tls1_2 <-> openssl s_server -tls1_2 -no_ticket -rev, through a TCP relay that
//   captured the bytes each way, with -keylogfile on both sides (both logged the same master
//   secret). ECDHE suites: group x25519 (both sides offer x25519:P-256: an OpenSSL
//   TLS 1.2 server uses an ECDSA P-256 certificate only when the client lists P-256), certificate
//   server-p256 (ECDSA P-256) of the generated test PKI. Extended master secret (RFC 7627) was
//   negotiated in every session; no session ticket was issued (-no_ticket).
//   TLS12_EMS_VECTORS[1]  the TLS_RSA_WITH_AES_128_GCM_SHA256 session (server-rsa2048): its
//                      pre-master secret was recovered by decrypting the ClientKeyExchange with
//                      the server's key, so master_secret = PRF(pms, "extended master secret",
//                      session_hash) can be checked from its inputs.
//   Derived values (derivedKeys, sessionHash, verify data, plaintexts) were computed with node:crypto
//   by the script and checked: every record authenticates under the derived keys, and both
//   Finished messages carry PRF(master_secret, "client finished"/"server finished",
//   Hash(handshake_messages))[0..11].

export interface Tls12PrfVector {
  name: string;
  source: string;
  hash: 'sha256' | 'sha384';
  secret: string;
  label: string;
  seed: string;
  output: string;
}

export interface Tls12EmsVector {
  name: string;
  source: string;
  hash: 'sha256' | 'sha384';
  preMasterSecret: string;
  /** Hash(ClientHello .. ClientKeyExchange) (RFC 7627 §3). */
  sessionHash: string;
  /** PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
  masterSecret: string;
  /** Recorded vector only: the session's client random (find it in TLS12_RECORDED_SESSIONS). */
  clientRandom?: string;
}

export interface Tls12RecordVector {
  from: 'client' | 'server';
  /** Record sequence number in that direction (Finished = 0). */
  seq: number;
  contentType: number;
  /** The whole record: 5-byte header + explicit nonce (GCM) + ciphertext + tag. */
  record: string;
  /** The content it protects. */
  plaintext: string;
  what: string;
}

export interface Tls12HandshakeMessage {
  from: 'client' | 'server';
  type: string;
  /** The handshake message with its 4-byte header, as hashed into the transcript. */
  hex: string;
}

export interface Tls12RecordedSession {
  suite: string;
  suiteId: number;
  opensslName: string;
  /** PRF / transcript hash. */
  hash: 'sha256' | 'sha384';
  keyExchange: 'ECDHE' | 'RSA';
  group?: string;
  /** The generated test PKI's certificate the server used. */
  certificate: string;
  extendedMasterSecret: boolean;
  clientRandom: string;
  serverRandom: string;
  /** From the CLIENT_RANDOM key log line (both sides). */
  masterSecret: string;
  /** Derived: Hash(ClientHello .. ClientKeyExchange). */
  sessionHash: string;
  /** Derived: key_block = PRF(master_secret, "key expansion", server_random + client_random) split (AEAD: no MAC keys). */
  derivedKeys: { clientWriteKey: string; serverWriteKey: string; clientWriteIv: string; serverWriteIv: string };
  /** All handshake messages in transcript order; the two Finished ones decrypted from records seq 0. */
  handshakeMessages: Tls12HandshakeMessage[];
  clientChangeCipherSpec: string;
  serverChangeCipherSpec: string;
  /** Each direction: Finished (seq 0), application data (seq 1), close_notify (seq 2). */
  records: Tls12RecordVector[];
  clientVerifyData: string;
  serverVerifyData: string;
}

/** How and when the recorded vectors were made. */
export const TLS12_RECORDING = {
  openssl: 'OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)',
  node: 'v20.20.2',
  date: '2026-12-01',
  script: 'scripts/record-tls12-vectors.mjs',
  clientCommand: 'openssl s_client -tls1_2 -cipher SUITE -groups x25519:P-256 -keylogfile FILE -quiet -no_ign_eof',
  serverCommand: 'openssl s_server -tls1_2 -cipher SUITE -groups x25519:P-256 -no_ticket -rev -keylogfile FILE',
  clientLine: 'hello from the TLS 1.2 client\n',
  serverLine: 'tneilc 2.1 SLT eht morf olleh\n',
} as const;

/** RFC 5246 §5 PRF known answers. */
export const TLS12_PRF_VECTORS: readonly Tls12PrfVector[] = [
  {
    name: 'IETF TLS list msg03416, P_SHA256',
    source: 'https://www.ietf.org/mail-archive/web/tls/current/msg03416.html, quoted in BearSSL test/test_crypto.c (mirror unkaktus/bearssl@6a1dab03) lines 1117-1121',
    hash: 'sha256',
    secret: '9bbe436ba940f017b17652849a71db35',
    label: 'test label',
    seed: 'a0ba9f936cda311827a6f796ffd5198c',
    output: 'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af' +
      '0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701' +
      '87347b66',
  },
  {
    name: 'IETF TLS list msg03416, P_SHA384',
    source: 'https://www.ietf.org/mail-archive/web/tls/current/msg03416.html, quoted in BearSSL test/test_crypto.c (mirror unkaktus/bearssl@6a1dab03) lines 1122-1126',
    hash: 'sha384',
    secret: 'b80b733d6ceefcdc71566ea48e5567df',
    label: 'test label',
    seed: 'cd665cf6a8447dd6ff8b27555edb7465',
    output: '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0' +
      'e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425' +
      '9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e099070' +
      '3d73e56f',
  },
];

/** RFC 7627 §4 extended master secret: [0] public (s2n-tls), [1] recorded (RSA key exchange). */
export const TLS12_EMS_VECTORS: readonly Tls12EmsVector[] = [
  {
    name: 's2n-tls s2n_tls_prf_extended_master_secret (ECDHE-ECDSA-AES256-GCM-SHA384)',
    source: 'aws/s2n-tls tests/unit/s2n_tls_prf_test.c lines 283-297 (commit 8cbf81ad74968a1d03efbd9352a89abd292232d4)',
    hash: 'sha384',
    preMasterSecret: '05e12675c9264d82b53fa15d589c829af9be1ae3d881ab0b023b7b8cad8bc058',
    sessionHash: 'e6cbbaa03909ea387714fe70c07546086dedfcee086fd2985dfdd50924393619009115758e490e2e3b0c13bebdad5fbb',
    masterSecret: 'aef116e65e2cd77d4e96b1ceeadb7912ddd9aaf3a907aa3344ec3a2de6cc3b699ca768fe389eab3b53c98d8ccd830b06',
  },
  {
    name: 'recorded: OpenSSL s_client/s_server, TLS_RSA_WITH_AES_128_GCM_SHA256',
    source: 'recorded by scripts/record-tls12-vectors.mjs (see TLS12_RECORDING)',
    hash: 'sha256',
    preMasterSecret: '03033c9964c648f6b3e78f19271bfe1a98285706f28746fd39c10496038930da257a3f255a51b51097a66f5de5fc600b',
    sessionHash: '3158cdba1090850c3242187da3d933ad579f095705948f37b0378d3330f3631d',
    masterSecret: '061554ec563451bb093a9e4cc582efe3e1743c074e5ff64e73323cc827735b67b435168c5481acee2e3c2159f2cacb6e',
    clientRandom: '4d36dcdbb609b434dcfe37d6128ea0f58b2698fa6368d365be73b1dc9d7ec3a8',
  },
];

/** One recorded session per suite. */
export const TLS12_RECORDED_SESSIONS: readonly Tls12RecordedSession[] = [
  {
    suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    suiteId: 0xc02b,
    opensslName: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    hash: 'sha256',
    keyExchange: 'ECDHE',
    group: 'x25519',
    certificate: 'server-p256',
    extendedMasterSecret: true,
    clientRandom: 'a72ee731c6dd70f0e195a6bf3fad758d39735dca9dc5d960fd5e294e626e47be',
    serverRandom: '6a7504cf4ecab8a080d9db1a239dce647311c4d5d77b01d5f538127ef88d7576',
    masterSecret: 'f1ca14d3381e3f36216ba75c1c59e86737bf2c911d606319c3e214e7bb4010563dfe54bb2414425e3f0289e5dd9e7f94',
    sessionHash: '0a92b97d1ea066f99914c4ed8a89430cbbd05cca69e4cd3fd78d0f75cd04206d',
    derivedKeys: {
      clientWriteKey: '8aab681d1ee4f1871d1940a1bd7e5021',
      serverWriteKey: 'db9a7b42602a3675c7e2334e83561611',
      clientWriteIv: '05a98f54',
      serverWriteIv: '1cb04bd5',
    },
    handshakeMessages: [
      {
        from: 'client',
        type: 'client_hello',
        hex: '0100008b0303a72ee731c6dd70f0e195a6bf3fad758d39735dca9dc5d960fd5e294e626e47be000004c02b00ff010000' +
          '5e0000000e000c0000096c6f63616c686f7374000b000403000102000a00060004001d00170023000000160000001700' +
          '00000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602',
      },
      {
        from: 'server',
        type: 'server_hello',
        hex: '0200005903036a7504cf4ecab8a080d9db1a239dce647311c4d5d77b01d5f538127ef88d7576209824f3729782ec3124' +
          '3b3d6682dfb66a0d6d93f9161c6f22ad90dd970566aac2c02b000011ff01000100000b00040300010200170000',
      },
      {
        from: 'server',
        type: 'certificate',
        hex: '0b0001f30001f00001ed308201e930820190a0030201020208138dd70d4bca0781300a06082a8648ce3d040302302431' +
          '22302006035504030c1970757265746c73207465737420696e7465726d656469617465301e170d323631323031313930' +
          '3932315a170d3239303330353139303932315a302b31153013060355040a0c0c70757265746c73207465737431123010' +
          '06035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d03010703420004d859af0a07' +
          'ba1473cf41e9ffffdf8e91d24750ee81bb1fda6befb81b377ffbb5e0b9e272c20af19484baec12a20ec2c2b6520ebd46' +
          '86a6e22efa9dcdca45e355a381a43081a1300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030' +
          '130603551d25040c300a06082b06010505070301302c0603551d110425302382096c6f63616c686f737487047f000001' +
          '871000000000000000000000000000000001301d0603551d0e041604140292fbc38103cca395a33cb442e79a6c65cb31' +
          'eb301f0603551d23041830168014b7de6bcbdbe4909e77c587e63345dc27a516af95300a06082a8648ce3d0403020347' +
          '003044022034c580e95372c214fbec6c295687fc83f32c359918b2119c02c6f4af8c86dc000220779f35f6f491c31c56' +
          'd6bc2e29f556542dcc9f368654aa546a349cff0fd0c923',
      },
      {
        from: 'server',
        type: 'server_key_exchange',
        hex: '0c00006f03001d20b61f34f4a2ff3222358f7a0c044be9412f8da7f004e972292b848b955cefb6190403004730450221' +
          '00ed3b4748be23445c08a68249de5ee89e7a8740c1f4fb5693750bf45110349ad802201092f59d771a8de94d50508d0e' +
          '99b536249424cdb77b6176299237fa8bb96f22',
      },
      {
        from: 'server',
        type: 'server_hello_done',
        hex: '0e000000',
      },
      {
        from: 'client',
        type: 'client_key_exchange',
        hex: '1000002120668e9a48e96faa6bab22147454c005ac2a680fa038e9e752938f3c60be4cd929',
      },
      {
        from: 'client',
        type: 'finished',
        hex: '1400000c331c0903ade60fc5a217eaba',
      },
      {
        from: 'server',
        type: 'finished',
        hex: '1400000c7aac9ff556aca5b213263b13',
      },
    ],
    clientChangeCipherSpec: '140303000101',
    serverChangeCipherSpec: '140303000101',
    records: [
      {
        from: 'client',
        seq: 0,
        contentType: 22,
        record: '16030300281773b35675b2aa7ce356c03bad4d4783faf0d1173ee6669e35fda9967be339053ef4b6deb94674f0',
        plaintext: '1400000c331c0903ade60fc5a217eaba',
        what: 'Finished',
      },
      {
        from: 'client',
        seq: 1,
        contentType: 23,
        record: '17030300361773b35675b2aa7dacafd77d6b4d93ebd61e61278e7162a0992178fedf82d0291ec716de13d0afa390b336' +
          '87c7938614be32006440ee',
        plaintext: '68656c6c6f2066726f6d2074686520544c5320312e3220636c69656e740a',
        what: '"hello from the TLS 1.2 client\\n"',
      },
      {
        from: 'client',
        seq: 2,
        contentType: 21,
        record: '150303001a1773b35675b2aa7e97eef045d31782dd6bf8885e843ab0486f86',
        plaintext: '0100',
        what: 'close_notify',
      },
      {
        from: 'server',
        seq: 0,
        contentType: 22,
        record: '1603030028faac2dba8ae3c725d1a0990829de4b37a7897a70431931358d9e038d05fa4432b1e60fda06410c7c',
        plaintext: '1400000c7aac9ff556aca5b213263b13',
        what: 'Finished',
      },
      {
        from: 'server',
        seq: 1,
        contentType: 23,
        record: '1703030036faac2dba8ae3c726c5769ba5fe2f5f06f3cb06941ec7a67231dc669eacc91a81939ebd41a840a2c98b177f' +
          'b7848aee95bf6f4813ad9b',
        plaintext: '746e65696c6320322e3120534c5420656874206d6f7266206f6c6c65680a',
        what: '"tneilc 2.1 SLT eht morf olleh\\n"',
      },
      {
        from: 'server',
        seq: 2,
        contentType: 21,
        record: '150303001afaac2dba8ae3c727db1ebed663aa7a699bafc90a153c2bd85fe5',
        plaintext: '0100',
        what: 'close_notify',
      },
    ],
    clientVerifyData: '331c0903ade60fc5a217eaba',
    serverVerifyData: '7aac9ff556aca5b213263b13',
  },
  {
    suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    suiteId: 0xc02c,
    opensslName: 'ECDHE-ECDSA-AES256-GCM-SHA384',
    hash: 'sha384',
    keyExchange: 'ECDHE',
    group: 'x25519',
    certificate: 'server-p256',
    extendedMasterSecret: true,
    clientRandom: '96b81946af4540b455b498827f55597f02c0894e39b830d6f3f843d64ef58f16',
    serverRandom: '3821ac56b18109018cd0286cfe92e85a97a0f7fb54aed87ff97505f7c5dd06e5',
    masterSecret: '730ea9a62dee9959a8a8aa7f812c45b3c589c3b25c3dfa6b7bd31de46a769fae54c94ebba43f2f806d53cf5109d1a815',
    sessionHash: '03cf81b28c744a73548f16f90536d488104a602cfd9fa4b5bff2eaa9d01d1aa1a669afd00a868ed140d884678d1e0769',
    derivedKeys: {
      clientWriteKey: '5035f9e96397439d27099b57bb04901ca754e41252599e214f2f6473a3386967',
      serverWriteKey: '368ed0f62adace2b8b233eec287f0bf57d9246f3598f1c309ed6386afd9d7115',
      clientWriteIv: 'c993756f',
      serverWriteIv: '9aa0ede8',
    },
    handshakeMessages: [
      {
        from: 'client',
        type: 'client_hello',
        hex: '0100008b030396b81946af4540b455b498827f55597f02c0894e39b830d6f3f843d64ef58f16000004c02c00ff010000' +
          '5e0000000e000c0000096c6f63616c686f7374000b000403000102000a00060004001d00170023000000160000001700' +
          '00000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602',
      },
      {
        from: 'server',
        type: 'server_hello',
        hex: '0200005903033821ac56b18109018cd0286cfe92e85a97a0f7fb54aed87ff97505f7c5dd06e52007d16f997888ce7981' +
          'a09a67fab149e2cf82b1541546bfb24ef20fa540532323c02c000011ff01000100000b00040300010200170000',
      },
      {
        from: 'server',
        type: 'certificate',
        hex: '0b0001f30001f00001ed308201e930820190a0030201020208138dd70d4bca0781300a06082a8648ce3d040302302431' +
          '22302006035504030c1970757265746c73207465737420696e7465726d656469617465301e170d323631323031313930' +
          '3932315a170d3239303330353139303932315a302b31153013060355040a0c0c70757265746c73207465737431123010' +
          '06035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d03010703420004d859af0a07' +
          'ba1473cf41e9ffffdf8e91d24750ee81bb1fda6befb81b377ffbb5e0b9e272c20af19484baec12a20ec2c2b6520ebd46' +
          '86a6e22efa9dcdca45e355a381a43081a1300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030' +
          '130603551d25040c300a06082b06010505070301302c0603551d110425302382096c6f63616c686f737487047f000001' +
          '871000000000000000000000000000000001301d0603551d0e041604140292fbc38103cca395a33cb442e79a6c65cb31' +
          'eb301f0603551d23041830168014b7de6bcbdbe4909e77c587e63345dc27a516af95300a06082a8648ce3d0403020347' +
          '003044022034c580e95372c214fbec6c295687fc83f32c359918b2119c02c6f4af8c86dc000220779f35f6f491c31c56' +
          'd6bc2e29f556542dcc9f368654aa546a349cff0fd0c923',
      },
      {
        from: 'server',
        type: 'server_key_exchange',
        hex: '0c00006f03001d2091a396ba28ac2c68034ec25bdd4f18ffbbf0d1e514dabf375690029115bc3d2a0403004730450221' +
          '00b0c0412028ed7a7aac57b58f6121558c1c641e3e2cdf08a6230c1131e08c3b850220695135bfa50e4a8ad66bcc3864' +
          '562c8ccbc805d564e59408d2f62eddb693f5a8',
      },
      {
        from: 'server',
        type: 'server_hello_done',
        hex: '0e000000',
      },
      {
        from: 'client',
        type: 'client_key_exchange',
        hex: '10000021205630418d24dbd3b42d310cfca0f9bbe7f59c5edfb6546ba3c20e6ae443d12b10',
      },
      {
        from: 'client',
        type: 'finished',
        hex: '1400000cfd2163f5e716d06e385fc32a',
      },
      {
        from: 'server',
        type: 'finished',
        hex: '1400000c8a796272252bb76949889495',
      },
    ],
    clientChangeCipherSpec: '140303000101',
    serverChangeCipherSpec: '140303000101',
    records: [
      {
        from: 'client',
        seq: 0,
        contentType: 22,
        record: '1603030028c11846ca186e9e059bc92b1c3bbf6f58ef773d095021871b3d87793a85446bb8863152ac5f260240',
        plaintext: '1400000cfd2163f5e716d06e385fc32a',
        what: 'Finished',
      },
      {
        from: 'client',
        seq: 1,
        contentType: 23,
        record: '1703030036c11846ca186e9e06e02b1bed62e5c5c15cb3a2afeaa524fe4adc61ea0b6e2b4a9c923cbc334d048edef5d3' +
          '6ecc28568be9795bb5bb55',
        plaintext: '68656c6c6f2066726f6d2074686520544c5320312e3220636c69656e740a',
        what: '"hello from the TLS 1.2 client\\n"',
      },
      {
        from: 'client',
        seq: 2,
        contentType: 21,
        record: '150303001ac11846ca186e9e07812b35a00a8723b80ab3517d6eaf74db4433',
        plaintext: '0100',
        what: 'close_notify',
      },
      {
        from: 'server',
        seq: 0,
        contentType: 22,
        record: '16030300283aca4361932d3992f332e389631c765e2c728a2f97524e9051f13c534c8d4467bc159dd6a8b14674',
        plaintext: '1400000c8a796272252bb76949889495',
        what: 'Finished',
      },
      {
        from: 'server',
        seq: 1,
        contentType: 23,
        record: '17030300363aca4361932d399301811fec070837f48e90bd3d50768edc2203ec55eeb2481e96613027e6c6dd6e9c45c4' +
          'e2a42366a2402e7b0241fb',
        plaintext: '746e65696c6320322e3120534c5420656874206d6f7266206f6c6c65680a',
        what: '"tneilc 2.1 SLT eht morf olleh\\n"',
      },
      {
        from: 'server',
        seq: 2,
        contentType: 21,
        record: '150303001a3aca4361932d3994798acd80a1b3eb8bed920d7c498d38b241ba',
        plaintext: '0100',
        what: 'close_notify',
      },
    ],
    clientVerifyData: 'fd2163f5e716d06e385fc32a',
    serverVerifyData: '8a796272252bb76949889495',
  },
  {
    suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    suiteId: 0xcca9,
    opensslName: 'ECDHE-ECDSA-CHACHA20-POLY1305',
    hash: 'sha256',
    keyExchange: 'ECDHE',
    group: 'x25519',
    certificate: 'server-p256',
    extendedMasterSecret: true,
    clientRandom: '43f05c529122a2546bd85cd598f9465e7f4b573be31d647b110b07128eb33451',
    serverRandom: '00aa9d69d2bbfc374fb2ffbb05558284ae359f814de936610b9aa122026128e5',
    masterSecret: '2391bbd017f1800e351d8fe6709f86ed9966d260f49fe4bde8eeaf6e950a1199f7e655fd902f4ae38c4d79529caf0bb2',
    sessionHash: '3de76304d322516f762b3db7c98a45b2a87d0b8deed0341018fefc2c3ef66efd',
    derivedKeys: {
      clientWriteKey: '3dea21e0c9f7cded42bf408c9499cc92aaeb61da931333f10a6ae182e6a03d1f',
      serverWriteKey: 'fafef065bc9716e9ec8f04c5086eed74a5910b9a2ebc35a94b85b38e127d0d97',
      clientWriteIv: 'e6b380df27c7a4b9e8779714',
      serverWriteIv: '60ed9768e2ad21f07084f8ae',
    },
    handshakeMessages: [
      {
        from: 'client',
        type: 'client_hello',
        hex: '0100008b030343f05c529122a2546bd85cd598f9465e7f4b573be31d647b110b07128eb33451000004cca900ff010000' +
          '5e0000000e000c0000096c6f63616c686f7374000b000403000102000a00060004001d00170023000000160000001700' +
          '00000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602',
      },
      {
        from: 'server',
        type: 'server_hello',
        hex: '02000059030300aa9d69d2bbfc374fb2ffbb05558284ae359f814de936610b9aa122026128e520865d0e1d3f6819e624' +
          'bd8fdb77f4e2a292ac5e41c215f0589eb21acad92ec27ccca9000011ff01000100000b00040300010200170000',
      },
      {
        from: 'server',
        type: 'certificate',
        hex: '0b0001f30001f00001ed308201e930820190a0030201020208138dd70d4bca0781300a06082a8648ce3d040302302431' +
          '22302006035504030c1970757265746c73207465737420696e7465726d656469617465301e170d323631323031313930' +
          '3932315a170d3239303330353139303932315a302b31153013060355040a0c0c70757265746c73207465737431123010' +
          '06035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d03010703420004d859af0a07' +
          'ba1473cf41e9ffffdf8e91d24750ee81bb1fda6befb81b377ffbb5e0b9e272c20af19484baec12a20ec2c2b6520ebd46' +
          '86a6e22efa9dcdca45e355a381a43081a1300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030' +
          '130603551d25040c300a06082b06010505070301302c0603551d110425302382096c6f63616c686f737487047f000001' +
          '871000000000000000000000000000000001301d0603551d0e041604140292fbc38103cca395a33cb442e79a6c65cb31' +
          'eb301f0603551d23041830168014b7de6bcbdbe4909e77c587e63345dc27a516af95300a06082a8648ce3d0403020347' +
          '003044022034c580e95372c214fbec6c295687fc83f32c359918b2119c02c6f4af8c86dc000220779f35f6f491c31c56' +
          'd6bc2e29f556542dcc9f368654aa546a349cff0fd0c923',
      },
      {
        from: 'server',
        type: 'server_key_exchange',
        hex: '0c00006f03001d200a7f0a068c1666fd78f574b8819c0adf8b85c4b320468295cd2081b5881615290403004730450221' +
          '00fc8acf59d06cbb15fbd60b579672670dde4699c79f46659fa4c5c54af2d874400220079c7c208600ca795a5a31e855' +
          'd92b55a57850efb81f199818d219352a901354',
      },
      {
        from: 'server',
        type: 'server_hello_done',
        hex: '0e000000',
      },
      {
        from: 'client',
        type: 'client_key_exchange',
        hex: '10000021205c22748b4cded162c2d1f7d1171b4d92444a855d3dde1c553554cdf828191216',
      },
      {
        from: 'client',
        type: 'finished',
        hex: '1400000c829c0a50f3037739e2333b0c',
      },
      {
        from: 'server',
        type: 'finished',
        hex: '1400000ca972ed40c28bd4931e4372cb',
      },
    ],
    clientChangeCipherSpec: '140303000101',
    serverChangeCipherSpec: '140303000101',
    records: [
      {
        from: 'client',
        seq: 0,
        contentType: 22,
        record: '16030300203ae6b059bc3a2ac3bcc2f7a9c2e1f8f7801759e35bf7a2d89d33e18adb82a0e5',
        plaintext: '1400000c829c0a50f3037739e2333b0c',
        what: 'Finished',
      },
      {
        from: 'client',
        seq: 1,
        contentType: 23,
        record: '170303002eacfcb8c4d766f2bde890254ae99754a8bbd276d90b24154043b8bf3af7f659c920d13ff797f03ad3959efc' +
          '2afe6c',
        plaintext: '68656c6c6f2066726f6d2074686520544c5320312e3220636c69656e740a',
        what: '"hello from the TLS 1.2 client\\n"',
      },
      {
        from: 'client',
        seq: 2,
        contentType: 21,
        record: '15030300123c71caa019fbb4e360cd571a9fc258de4994',
        plaintext: '0100',
        what: 'close_notify',
      },
      {
        from: 'server',
        seq: 0,
        contentType: 22,
        record: '1603030020eaf64fa63199ced2c3d927af3b28d1ab1e2ecfa3ce608aae40c318dfb7500a97',
        plaintext: '1400000ca972ed40c28bd4931e4372cb',
        what: 'Finished',
      },
      {
        from: 'server',
        seq: 1,
        contentType: 23,
        record: '170303002ea1405a97babe36c5575bf3322fe9ecc3adf947d9310e4876c278d488d0f5cd445b1f0c3b4e6140f96e2707' +
          '91ba50',
        plaintext: '746e65696c6320322e3120534c5420656874206d6f7266206f6c6c65680a',
        what: '"tneilc 2.1 SLT eht morf olleh\\n"',
      },
      {
        from: 'server',
        seq: 2,
        contentType: 21,
        record: '150303001239f16d26f62997803f45e378230ccf78e9f8',
        plaintext: '0100',
        what: 'close_notify',
      },
    ],
    clientVerifyData: '829c0a50f3037739e2333b0c',
    serverVerifyData: 'a972ed40c28bd4931e4372cb',
  },
  {
    suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
    suiteId: 156,
    opensslName: 'AES128-GCM-SHA256',
    hash: 'sha256',
    keyExchange: 'RSA',
    certificate: 'server-rsa2048',
    extendedMasterSecret: true,
    clientRandom: '4d36dcdbb609b434dcfe37d6128ea0f58b2698fa6368d365be73b1dc9d7ec3a8',
    serverRandom: '118ddd9e49dae7a350bc7a2057ab91c9903f1fe1384f579c944d4f55bd5c0d03',
    masterSecret: '061554ec563451bb093a9e4cc582efe3e1743c074e5ff64e73323cc827735b67b435168c5481acee2e3c2159f2cacb6e',
    sessionHash: '3158cdba1090850c3242187da3d933ad579f095705948f37b0378d3330f3631d',
    derivedKeys: {
      clientWriteKey: 'ec9b44523cbed7883cadf652ef022dfb',
      serverWriteKey: 'edd039eea5b274c5b586fa5192a9163d',
      clientWriteIv: '6860ce52',
      serverWriteIv: 'eb917be9',
    },
    handshakeMessages: [
      {
        from: 'client',
        type: 'client_hello',
        hex: '0100007903034d36dcdbb609b434dcfe37d6128ea0f58b2698fa6368d365be73b1dc9d7ec3a8000004009c00ff010000' +
          '4c0000000e000c0000096c6f63616c686f7374002300000016000000170000000d002a00280403050306030807080808' +
          '09080a080b080408050806040105010601030303010302040205020602',
      },
      {
        from: 'server',
        type: 'server_hello',
        hex: '020000510303118ddd9e49dae7a350bc7a2057ab91c9903f1fe1384f579c944d4f55bd5c0d0320bb95ac39f1b6756bf3' +
          '8f84619d91bd48bb739b45c00e9eefcf1f81ac9fba08ac009c000009ff0100010000170000',
      },
      {
        from: 'server',
        type: 'certificate',
        hex: '0b0002bf0002bc0002b9308202b53082025ba003020102020873974faaa0d5abb3300a06082a8648ce3d040302302431' +
          '22302006035504030c1970757265746c73207465737420696e7465726d656469617465301e170d323631323031313930' +
          '3932315a170d3239303330353139303932315a302b31153013060355040a0c0c70757265746c73207465737431123010' +
          '06035504030c096c6f63616c686f737430820122300d06092a864886f70d01010105000382010f003082010a02820101' +
          '00865a6d058de1905c92c8f87a52088adfbf8c02df633131c65d1f6cff768bfe1712828478e1a70e3a89d4bd292865a7' +
          'da56714e8fb5ae677fabef448543c84bca79992b7d9b36bf53b53bdf285a7046a48f6356a87950339112cceb761e2e1a' +
          '867dcea1d4bbd8ee22033c54be746b1de593a5cf7ad6f16f86c06e24e28a89db75ff3a62dbab4731eea49fcceea95fe8' +
          '3e2b115273c38040c1f71a62dd3a7d23b84e521199cc8a7bca5422e2c6f4af5aa6e7b15c06953411707214a36fca2c46' +
          'e4e759fa1a8f1f89eac29c27418b170c346a346d778d1b6d701efa7ab7bafe785c2557c6fecbac4c2fb48ff26b8a0e95' +
          '68e0b8d391d57e0c3096f40c4173869ec50203010001a381a43081a1300c0603551d130101ff04023000300e0603551d' +
          '0f0101ff04040302078030130603551d25040c300a06082b06010505070301302c0603551d110425302382096c6f6361' +
          '6c686f737487047f000001871000000000000000000000000000000001301d0603551d0e04160414090ea05e144db0f4' +
          '534ee743e4e3dc9abbd6fa33301f0603551d23041830168014b7de6bcbdbe4909e77c587e63345dc27a516af95300a06' +
          '082a8648ce3d0403020348003045022100c990ca94e6979c89dc0f1685409f981a5cc78f31c5706a0eec4e2e0a37b6dd' +
          '69022075fb1d38f88a29b77559eaaa9bad4caf7c11c409e33aac42baa1d703f7b5dc60',
      },
      {
        from: 'server',
        type: 'server_hello_done',
        hex: '0e000000',
      },
      {
        from: 'client',
        type: 'client_key_exchange',
        hex: '1000010201001f15fe9e3e3e0450383d17e6770da1d1cf097e5ddc020500ce3acfa8643800dc75c12add8ced01156f3d' +
          'a935f2823b9b2ad830626b04a47a350759a58d7c8e514379db008e52d05f8e3acc37efa57a8357ab373658ae316a92b3' +
          'ce35df4e41ee42ec54568bc51ffe731bf42b80975448b56e57dd369ac2b2ca26cfbea7cd98f0ba00fb1e1cda77928bcc' +
          'dbb0e42f927c41604d6395e0856aa96a1befc1a19a50528c47fd5acb1947c21d40070199aeff06b5d0a72524262dee92' +
          '525e7c3d920135dc73ff442e00885bcdd1eeff1e59f538d0ec2f7b62a531c2d6b865b59427b378010f020f4deae3c07f' +
          'b72c0e8429e7411e0c65c01d42f014d1f428ea4f2b30',
      },
      {
        from: 'client',
        type: 'finished',
        hex: '1400000ccb270ac1cc9c719e95a3f668',
      },
      {
        from: 'server',
        type: 'finished',
        hex: '1400000c37778d8efc48925bc6b6f54f',
      },
    ],
    clientChangeCipherSpec: '140303000101',
    serverChangeCipherSpec: '140303000101',
    records: [
      {
        from: 'client',
        seq: 0,
        contentType: 22,
        record: '16030300285875b2618c7dca5db43cd96e5046a9b4073049d6542f3b220a33785e5e594b14561885fb3c45e65a',
        plaintext: '1400000ccb270ac1cc9c719e95a3f668',
        what: 'Finished',
      },
      {
        from: 'client',
        seq: 1,
        contentType: 23,
        record: '17030300365875b2618c7dca5e14ec75137ffd19f25998d5a5eeba0a131b69c4200e8561b9f390987c5aa0cbf6eed7ac' +
          'e456588fec2e973f073990',
        plaintext: '68656c6c6f2066726f6d2074686520544c5320312e3220636c69656e740a',
        what: '"hello from the TLS 1.2 client\\n"',
      },
      {
        from: 'client',
        seq: 2,
        contentType: 21,
        record: '150303001a5875b2618c7dca5f55bc9a7d507d3be30a47e94a6639bb8a65f5',
        plaintext: '0100',
        what: 'close_notify',
      },
      {
        from: 'server',
        seq: 0,
        contentType: 22,
        record: '16030300281acdbd64201d9c0b6bf60d6083b8aa98511070ce50cda0fc0fded3fa82fdd6ed9f9921b82620bc60',
        plaintext: '1400000c37778d8efc48925bc6b6f54f',
        what: 'Finished',
      },
      {
        from: 'server',
        seq: 1,
        contentType: 23,
        record: '17030300361acdbd64201d9c0c93d91d5e6ea22b759ccea3aaad191c96faf18bd96dc1a4060309c40f5f1825d30ba4b1' +
          '70ada0fe3229f900e2f707',
        plaintext: '746e65696c6320322e3120534c5420656874206d6f7266206f6c6c65680a',
        what: '"tneilc 2.1 SLT eht morf olleh\\n"',
      },
      {
        from: 'server',
        seq: 2,
        contentType: 21,
        record: '150303001a1acdbd64201d9c0d9825caec5b5799abb54a0c5941428caaf21c',
        plaintext: '0100',
        what: 'close_notify',
      },
    ],
    clientVerifyData: 'cb270ac1cc9c719e95a3f668',
    serverVerifyData: '37778d8efc48925bc6b6f54f',
  },
];
