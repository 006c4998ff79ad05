// RFC 8448 "Example Handshake Traces for TLS 1.3" as hex strings (lowercase, no spaces).
// Test vectors are facts; the bytes below are the RFC's, gathered from public copies of its
// traces because the RFC text itself was not reachable from this machine:
//   §3  dymokomi/luce-tls tests/vectors/rfc8448_1rtt.txt (a mechanical extraction of
//       rfc8448.txt), cross-checked against erlang/otp lib/ssl/test/tls_1_3_record_SUITE.erl
//       (which quotes the RFC text), thekuwayama/tttls1.3 spec/spec_helper.rb and
//       randombit/botan src/tests/data/tls_13_rfc8448/transcripts.vec.
//   §2  RSA key: tlswg/draft-ietf-tls-tls13-vectors (the draft's "Private Keys" section,
//       unchanged in the RFC) and princeb612/hotplace test/tls/test_rfc8448_2.cpp.
//   §4  princeb612/hotplace test/tls/test_rfc8448_4.cpp, the Erlang suite above (PSK binder
//       values) and Botan transcripts.vec (messages, records).
//   §5  hotplace test_rfc8448_5.cpp, tttls1.3 spec_helper.rb, Botan transcripts.vec.
//   §6  hotplace test_rfc8448_6.cpp, Botan transcripts.vec.
//   §7  hotplace test_rfc8448_7.cpp, Botan transcripts.vec.
// Every copied value was checked against all the others by recomputing the whole key
// schedule, the Finished values and the AEAD records from the private keys (0 mismatches).
// A few values that no source printed are marked in their comment: handshake messages
// recovered by decrypting the RFC's own records (the GCM tag authenticates them, so the
// bytes are exact), and secrets recomputed from the RFC's inputs.
// Not printed by the RFC: the §6 client's RSA private key and the §6 server's ECDSA key
// (their signatures can be verified, not reproduced).
// Naming: fields follow the RFC's step labels; each comment gives "§N {side} step: label".

/** RFC 8448 §2 Private Keys: the server's RSA key (used in §3, §4, §5, §7). */
export const serverRsaPrivateKey = {
  // §2 modulus (public)
  modulus:
    'b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af1' +
    '9eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8c' +
    'a9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f',
  // §2 public exponent
  publicExponent: '010001',
  // §2 private exponent
  privateExponent:
    '04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985b8e31c44f6de62e1b4c2309f6126e77b' +
    '7c41e923314bbfa3881305dc1217f16c819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f67' +
    '9f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941',
  // §2 prime1
  prime1:
    'e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30a327aa0aaabc58cd67466af9845fadc6' +
    '75fe094af92c4bd1f2c1bc33dd2e0515',
  // §2 prime2
  prime2:
    'cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee8af1d9b4719ba6196cf2cbbaeeebf8b3' +
    '490afe9e9ffa74a88aa51fc645629303',
  // §2 exponent1
  exponent1:
    '3f57345c27fe1b687e6e761627b78b1b826433dd760fa0bea6a6acf39490aa1b47cda4869d68f584dd5b5029bd32093b' +
    '8258661fe715025e5d70a45a08d3d319',
  // §2 exponent2
  exponent2:
    '183da01363bd2f2885cacbdc9964bf4764f1517636f86401286f71893c52ccfe40a6c23d0d086b47c6fb10d8fd1041e0' +
    '4def7e9a40ce957c417794e10412d139',
  // §2 coefficient
  coefficient:
    '839ca9a085e4286b2c90e466997a2c681f21339aa3477814e4dec11833050ed50dd13cc038048a43c59b2acc416889c0' +
    '37665fe5afa605969f8c01dfa5ca969d',
};

/** RFC 8448 §3 Simple 1-RTT Handshake. */
export const simple1rtt = {
  // §3 {client}  create an ephemeral x25519 key pair: private key
  clientPrivateKey: '49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005',
  // §3 {client}  create an ephemeral x25519 key pair: public key
  clientPublicKey: '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c',
  // §3 {client}  construct a ClientHello handshake message: ClientHello
  clientHello:
    '010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201' +
    '0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00' +
    '03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c' +
    '00024001',
  // §3 {client}  send handshake record: complete record
  clientHelloRecord:
    '16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece70000061301' +
    '13031302010000910000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102' +
    '0103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529a' +
    'af2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00' +
    '020101001c00024001',
  // §3 extract secret "early": secret
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // §3 {server}  create an ephemeral x25519 key pair: private key
  serverPrivateKey: 'b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e',
  // §3 {server}  create an ephemeral x25519 key pair: public key
  serverPublicKey: 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f',
  // §3 {server}  construct a ServerHello handshake message: ServerHello
  serverHello:
    '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024' +
    '001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  // §3 {server}  send handshake record: complete record
  serverHelloRecord:
    '160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e269280013010000' +
    '2e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  // §3 {server}  derive secret for handshake "tls13 derived": hash (SHA-256 of empty string)
  emptyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  // §3 {server}  derive secret for handshake "tls13 derived": info
  derivedInfo:
    '00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8' +
    '55',
  // §3 {server}  derive secret for handshake "tls13 derived": expanded
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // §3 {server}  extract secret "handshake": IKM (the (EC)DHE shared secret)
  sharedSecret: '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d',
  // §3 {server}  extract secret "handshake": secret
  handshakeSecret: '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac',
  // §3 {server}  derive secret "tls13 c hs traffic": hash (transcript through ServerHello)
  helloHash: '860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8',
  // §3 {server}  derive secret "tls13 c hs traffic": info
  clientHandshakeTrafficInfo:
    '002012746c7331332063206873207472616666696320860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed' +
    '063cf0e1cad8',
  // §3 {server}  derive secret "tls13 c hs traffic": expanded
  clientHandshakeTrafficSecret: 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
  // §3 {server}  derive secret "tls13 s hs traffic": info
  serverHandshakeTrafficInfo:
    '002012746c7331332073206873207472616666696320860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed' +
    '063cf0e1cad8',
  // §3 {server}  derive secret "tls13 s hs traffic": expanded
  serverHandshakeTrafficSecret: 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
  // §3 {server}  derive secret for master "tls13 derived": expanded
  derivedForMaster: '43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4',
  // §3 {server}  extract secret "master": secret
  masterSecret: '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919',
  // §3 derive write traffic keys: key info
  keyInfo: '001009746c733133206b657900',
  // §3 derive write traffic keys: iv info
  ivInfo: '000c08746c73313320697600',
  // §3 {server}  derive write traffic keys for handshake data: key expanded
  serverHandshakeKey: '3fce516009c21727d0f2e4e86ee403bc',
  // §3 {server}  derive write traffic keys for handshake data: iv expanded
  serverHandshakeIv: '5d313eb2671276ee13000b30',
  // §3 {server}  construct an EncryptedExtensions handshake message
  encryptedExtensions: '080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000',
  // §3 {server}  construct a Certificate handshake message
  certificate:
    '0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a' +
    '06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a' +
    '0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98' +
    '0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312' +
    '0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0' +
    '3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355' +
    '1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f' +
    '8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102' +
    '702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8' +
    'f8961229ac9187b42b4de10000',
  // §3 the certificate inside {server}'s Certificate message (DER) [sliced from the Certificate message]
  serverCertificateDer:
    '308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130' +
    '1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130' +
    '819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de' +
    '55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b' +
    '1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4' +
    '7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06' +
    '092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417' +
    'f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4' +
    '2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1',
  // §3 {server}  construct a CertificateVerify handshake message
  certificateVerify:
    '0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3' +
    '3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c' +
    '9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3',
  // §3 calculate finished "tls13 finished": info
  finishedInfo: '00200e746c7331332066696e697368656400',
  // §3 {server}  calculate finished "tls13 finished": expanded (finished key)
  serverFinishedKey: '008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8',
  // §3 {server}  calculate finished "tls13 finished": finished (verify_data)
  serverFinishedVerifyData: '9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  // §3 {server}  construct a Finished handshake message
  serverFinished: '140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  // §3 {server}  send handshake record: payload (all encrypted server handshake messages) [decrypted from the RFC record; GCM tag verified]
  serverHandshakePlaintext:
    '080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5' +
    '0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372' +
    '7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372' +
    '736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c' +
    '0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc' +
    'b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a' +
    '8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0' +
    '300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594' +
    '365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1' +
    'fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4' +
    '2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc' +
    '90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671' +
    '459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000' +
    '209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  // §3 {server}  send handshake record: complete record (encrypted)
  serverHandshakeRecord:
    '17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca' +
    '07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b' +
    'd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c' +
    '7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092' +
    '8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8' +
    '9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f' +
    '4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3' +
    '6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e' +
    '1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c' +
    'f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe' +
    '5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb' +
    '5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038' +
    'ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278' +
    '4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e' +
    '750edc53370d2b',
  // §3 {server}  derive secret "tls13 c ap traffic": hash (transcript through server Finished)
  serverFinishedHash: '9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13',
  // §3 {server}  derive secret "tls13 c ap traffic": expanded
  clientApplicationTrafficSecret: '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5',
  // §3 {server}  derive secret "tls13 s ap traffic": expanded
  serverApplicationTrafficSecret: 'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643',
  // §3 {server}  derive secret "tls13 exp master": expanded
  exporterMasterSecret: 'fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50',
  // §3 {server}  derive write traffic keys for application data: key expanded
  serverApplicationKey: '9f02283b6c9c07efc26bb9f2ac92e356',
  // §3 {server}  derive write traffic keys for application data: iv expanded
  serverApplicationIv: 'cf782b88dd83549aadf1e984',
  // §3 {server}  derive read traffic keys for handshake data: key expanded (= {client} write key)
  clientHandshakeKey: 'dbfaa693d1762c5b666af5d950258d01',
  // §3 {server}  derive read traffic keys for handshake data: iv expanded (= {client} write iv)
  clientHandshakeIv: '5bd3c71b836e0b76bb73265f',
  // §3 {client}  calculate finished "tls13 finished": expanded (finished key)
  clientFinishedKey: 'b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4',
  // §3 {client}  calculate finished "tls13 finished": finished (verify_data)
  clientFinishedVerifyData: 'a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  // §3 {client}  construct a Finished handshake message
  clientFinished: '14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  // §3 {client}  send handshake record: complete record (encrypted Finished)
  clientFinishedRecord:
    '170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c' +
    'aeacab6867d726c40546',
  // §3 {client}  derive write traffic keys for application data: key expanded
  clientApplicationKey: '17422dda596ed5d9acd890e3c63f5051',
  // §3 {client}  derive write traffic keys for application data: iv expanded
  clientApplicationIv: '5b78923dee08579033e523d9',
  // §3 {client}  derive secret "tls13 res master": hash (transcript through client Finished)
  clientFinishedHash: '209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d',
  // §3 {client}  derive secret "tls13 res master": expanded
  resumptionMasterSecret: '7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c',
  // §3 {server}  generate resumption secret "tls13 resumption": info (ticket_nonce 0000)
  resumptionInfo: '002010746c73313320726573756d7074696f6e020000',
  // §3 {server}  generate resumption secret "tls13 resumption": expanded (the PSK used in §4)
  resumptionPsk: '4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3',
  // §3 {server}  construct a NewSessionTicket handshake message
  newSessionTicket:
    '040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf' +
    '1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827' +
    'db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228' +
    'bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a' +
    'e4d3570008002a000400000400',
  // §3 {server}  send handshake record (NewSessionTicket): complete record
  newSessionTicketRecord:
    '17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a' +
    '015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0' +
    '9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77' +
    'f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74' +
    'bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f',
  // §3 {client}/{server}  send application_data record: payload (both sides send the same 50 octets)
  applicationData:
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
    '3031',
  // §3 {client}  send application_data record: complete record
  clientApplicationDataRecord:
    '1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b' +
    '62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4',
  // §3 {server}  send application_data record: complete record
  serverApplicationDataRecord:
    '17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8' +
    'fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d',
  // §3 {client}/{server}  send alert record: payload (close_notify)
  closeNotify: '0100',
  // §3 {client}  send alert record: complete record
  clientAlertRecord: '1703030013c9872760655666b74d7ff1153efd6db6d0b0e3',
  // §3 {server}  send alert record: complete record
  serverAlertRecord: '1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9',
};

/** RFC 8448 §4 Resumed 0-RTT Handshake (resumes §3 with its PSK). */
export const resumed0rtt = {
  // §4 {client}  create an ephemeral x25519 key pair: private key
  clientPrivateKey: 'bff91188283846dd6a2134ef7180ca2b0b14fb10dce707b5098c0dddc813b2df',
  // §4 {client}  create an ephemeral x25519 key pair: public key
  clientPublicKey: 'e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b',
  // §4 {client}  extract secret "early": IKM (the §3 resumption PSK)
  psk: '4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3',
  // §4 extract secret "early": secret
  earlySecret: '9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c',
  // §4 {client}  send handshake record: payload (the complete ClientHello, binders included) [taken from the RFC record bytes]
  clientHello:
    '010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201' +
    '0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00' +
    '03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c' +
    '000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c936' +
    '7c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3' +
    '664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf2' +
    '97b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120' +
    '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d',
  // §4 {client}  construct a ClientHello handshake message: ClientHello (477 octets, binders omitted) = calculate PSK binder: ClientHello prefix [taken from the RFC record bytes]
  clientHelloPrefix:
    '010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201' +
    '0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00' +
    '03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c' +
    '000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c936' +
    '7c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3' +
    '664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf2' +
    '97b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb',
  // §4 {client}  calculate PSK binder: binder hash
  binderHash: '63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14',
  // §4 {client}  calculate PSK binder: PRK (binder key, "tls13 res binder")
  binderKey: '69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256',
  // §4 {client}  calculate PSK binder: expanded (finished key)
  binderFinishedKey: '5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa',
  // §4 {client}  calculate PSK binder: finished (the PSK binder)
  binder: '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d',
  // §4 {client}  send handshake record: complete record
  clientHelloRecord:
    '1603010200010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d950000061301' +
    '13031302010001cd0000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102' +
    '01030104003300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a' +
    '0000002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00' +
    '020101001c00024001001500570000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c' +
    '498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce14' +
    '5077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda72' +
    '1470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6' +
    'aacb0021203add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d',
  // §4 {client}  derive secret "tls13 c e traffic": expanded
  clientEarlyTrafficSecret: '3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62',
  // §4 {client}  derive secret "tls13 e exp master": expanded
  earlyExporterMasterSecret: 'b2026866610937d7423e5be90862ccf24c0e6091186d34f812089ff5be2ef7df',
  // §4 {client}  derive write traffic keys for early application data: key expanded
  clientEarlyKey: '920205a5b7bf2115e6fc5c2942834f54',
  // §4 {client}  derive write traffic keys for early application data: iv expanded
  clientEarlyIv: '6d475f0993c8e564610db2b9',
  // §4 {client}  send application_data record (0-RTT): payload
  earlyData: '414243444546',
  // §4 {client}  send application_data record (0-RTT): complete record
  earlyDataRecord: '1703030017ab1df420e75c457a7cc5d2844f76d5aee4b4edbf049be0',
  // §4 {server}  create an ephemeral x25519 key pair: private key
  serverPrivateKey: 'de5b4476e7b490b2652d338acbf2948066f255f9440e23b98fc69835298dc107',
  // §4 {server}  create an ephemeral x25519 key pair: public key
  serverPublicKey: '121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31',
  // §4 {server}  construct a ServerHello handshake message: ServerHello
  serverHello:
    '0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400290002' +
    '000000330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304',
  // §4 {server}  send handshake record: complete record
  serverHelloRecord:
    '16030300600200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d0013010000' +
    '3400290002000000330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea3100' +
    '2b00020304',
  // §4 {server}  derive secret for handshake "tls13 derived": expanded
  derivedForHandshake: '5f1790bbd82c5e7d376ed2e1e52f8e6038c9346db61b43be9a52f77ef3998e80',
  // §4 {server}  extract secret "handshake": IKM (the (EC)DHE shared secret) [recomputed from the RFC inputs; no copy found]
  sharedSecret: 'f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e',
  // §4 {server}  extract secret "handshake": secret
  handshakeSecret: '005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6',
  // §4 {server}  derive secret "tls13 c hs traffic": hash (transcript through ServerHello) [recomputed from the RFC inputs; no copy found]
  helloHash: 'f736cb34fe25e701551bee6fd24c1cc7102a7daf9405cb15d97aafe16f757d03',
  // §4 {server}  derive secret "tls13 c hs traffic": expanded
  clientHandshakeTrafficSecret: '2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f',
  // §4 {server}  derive secret "tls13 s hs traffic": expanded
  serverHandshakeTrafficSecret: 'fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803',
  // §4 {server}  derive secret for master "tls13 derived": expanded [recomputed from the RFC inputs; no copy found]
  derivedForMaster: 'e2f16030251df0874ba19b9aba257610bc6d531c1dd206df0ca6e84ae2a26742',
  // §4 {server}  extract secret "master": secret [recomputed from the RFC inputs; no copy found]
  masterSecret: 'e2d32d4ed66dd37897a0e80c84107503ce58bf8aad4cb55a5002d77ecb890ece',
  // §4 {server}  derive write traffic keys for handshake data: key expanded
  serverHandshakeKey: '27c6bdc0a3dcea39a47326d79bc9e4ee',
  // §4 {server}  derive write traffic keys for handshake data: iv expanded
  serverHandshakeIv: '9569ecdd4d0536705e9ef725',
  // §4 {server}  construct an EncryptedExtensions handshake message
  encryptedExtensions: '080000280026000a00140012001d00170018001901000101010201030104001c0002400100000000002a0000',
  // §4 {server}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  serverFinishedKey: '4bb74cae7a5dc8914604c0bfbe2f0c062396883922bec8a15e2a9b532a5d392c',
  // §4 {server}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  serverFinishedVerifyData: '48d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2',
  // §4 {server}  construct a Finished handshake message
  serverFinished: '1400002048d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2',
  // §4 {server}  send handshake record: payload (all encrypted server handshake messages) [decrypted from the RFC record; GCM tag verified]
  serverHandshakePlaintext:
    '080000280026000a00140012001d00170018001901000101010201030104001c0002400100000000002a000014000020' +
    '48d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2',
  // §4 {server}  send handshake record: complete record (encrypted)
  serverHandshakeRecord:
    '1703030061dc48237b4b879f50d0d4d262ea8b4716eb40ddc1eb957e11126e8a7149c2d012d37a7115957e64ce30008b' +
    '9e0323f2c05a9c1c77b4f37849a695ab255060a33fee770ca95cb8486bfd0843b87024865ca35cc41c4e515c64dcb136' +
    '9f98635bc7a5',
  // §4 {server}  derive secret "tls13 c ap traffic": hash (transcript through server Finished) [recomputed from the RFC inputs; no copy found]
  serverFinishedHash: 'b0aeffc46a2cfe33114e6fd7d51f9f04b1ca3c497dab08934a774a9d9ad7dbf3',
  // §4 {server}  derive secret "tls13 c ap traffic": expanded
  clientApplicationTrafficSecret: '2abbf2b8e381d23dbebe1dd2a7d16a8bf484cb4950d23fb7fb7fa8547062d9a1',
  // §4 {server}  derive secret "tls13 s ap traffic": expanded
  serverApplicationTrafficSecret: 'cc21f1bf8feb7dd5fa505bd9c4b468a9984d554a993dc49e6d285598fb672691',
  // §4 {server}  derive secret "tls13 exp master": expanded
  exporterMasterSecret: '3fd93d4ffddc98e64b14dd107aedf8ee4add23f4510f58a4592d0b201bee56b4',
  // §4 {server}  derive write traffic keys for application data: key expanded
  serverApplicationKey: 'e857c690a34c5a9129d833619684f95e',
  // §4 {server}  derive write traffic keys for application data: iv expanded
  serverApplicationIv: '0685d6b561aab9ef1013faf9',
  // §4 {server}  derive read traffic keys for handshake data: key expanded (= {client} write key)
  clientHandshakeKey: 'b1530806f4adfeac83f1413032bbfa82',
  // §4 {server}  derive read traffic keys for handshake data: iv expanded (= {client} write iv)
  clientHandshakeIv: 'eb50c16be7654abf99dd06d9',
  // §4 {client}  construct an EndOfEarlyData handshake message [decrypted from the RFC record; GCM tag verified]
  endOfEarlyData: '05000000',
  // §4 {client}  send handshake record (EndOfEarlyData, under the early traffic key): complete record
  endOfEarlyDataRecord: '1703030015aca6fc944841298df99593725f9bf9754429b12f09',
  // §4 {client}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  clientFinishedKey: '5ace394c26980d581243f627d1150ae27e37fa52364e0a7f20ac686d09cd0e8e',
  // §4 {client}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  clientFinishedVerifyData: '7230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd32bda416d',
  // §4 {client}  construct a Finished handshake message [decrypted from the RFC record; GCM tag verified]
  clientFinished: '140000207230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd32bda416d',
  // §4 {client}  send handshake record: complete record (encrypted Finished)
  clientFinishedRecord:
    '170303003500f8b467d14cf22a4b3f0b6ae0d8e6cc8d08e0db3515ef5c2bdf1922eafbb70009964716d834fb70c3d2a5' +
    '6c5b1f5f6bdba6c333cf',
  // §4 {client}  derive write traffic keys for application data: key expanded
  clientApplicationKey: '3cf122f301c6358ca7989553250efd72',
  // §4 {client}  derive write traffic keys for application data: iv expanded
  clientApplicationIv: 'ab1aec26aa78b8fc1176b9ac',
  // §4 {client}  derive secret "tls13 res master": hash (transcript through client Finished) [recomputed from the RFC inputs; no copy found]
  clientFinishedHash: 'c3c122e0bd907a4a3ff6112d8fd53dbf89c773d9552e8b6b9d56d361b3a97bf6',
  // §4 {client}  derive secret "tls13 res master": expanded
  resumptionMasterSecret: '5e95bdf1f89005ea2e9aa0ba85e728e3c19c5fe0c699e3f5bee59faebd0b5406',
  // §4 {client}/{server}  send application_data record: payload (both sides send the same 50 octets)
  applicationData:
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
    '3031',
  // §4 {client}  send application_data record: complete record
  clientApplicationDataRecord:
    '1703030043b1cebce242aa201be9ae5e1cb2a9aa4b33d4e866af1edb068919237741aa031d7a74d491c99b9d4e232b74' +
    '206bc6fbaa04fe78be44a9b4f54320a17eb76992afac3103',
  // §4 {server}  send application_data record: complete record
  serverApplicationDataRecord:
    '1703030043275e9f20acff57bc000657d3867df039cccf79047884cf75771746f740b5a83f462a0954c3581393a203a2' +
    '5a7dd14141ef1a37900cdb62ff62dee1ba39ab2590cbf194',
  // §4 {client}/{server}  send alert record: payload (close_notify)
  closeNotify: '0100',
  // §4 {client}  send alert record: complete record
  clientAlertRecord: '17030300130facce3246bdfc6369838d6a82ae6de5d422dc',
  // §4 {server}  send alert record: complete record
  serverAlertRecord: '17030300135b18af444e8e1eec7158fb62d8f2577d37ba5d',
};

/** RFC 8448 §5 HelloRetryRequest (x25519 share rejected, P-256 used). */
export const helloRetryRequest = {
  // §5 {client}  create an ephemeral x25519 key pair: private key
  clientPrivateKey: '0ed02f8e8117efc75ca7ac32aa7e34eda64cdc0ddad154a5e85289f959f63204',
  // §5 {client}  create an ephemeral x25519 key pair: public key
  clientPublicKey: 'e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f',
  // §5 {client}  construct a ClientHello handshake message (first): ClientHello
  clientHello1:
    '010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201' +
    '0000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3' +
    'f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603' +
    '020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // §5 {client}  send handshake record (first ClientHello): complete record
  clientHello1Record:
    '16030100b4010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f0000061301' +
    '13031302010000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d' +
    '0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e04' +
    '0305030603020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // §5 {server}  construct a HelloRetryRequest handshake message: HelloRetryRequest [taken from the RFC record bytes]
  helloRetryRequest:
    '020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c00130100008400330002' +
    '0017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256' +
    '36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16' +
    'aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  // §5 {server}  send handshake record (HelloRetryRequest): complete record
  helloRetryRequestRecord:
    '16030300b0020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c0013010000' +
    '84003300020017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd003095' +
    '3f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8b' +
    'e778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  // §5 cookie extension payload carried in the HelloRetryRequest and the second ClientHello
  cookie:
    '71dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc' +
    '654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9' +
    'e4c0342267e8ca0caf571fb2b7cff0f934b0',
  // §5 synthetic message_hash handshake message (RFC 8446 §4.4.1) replacing ClientHello1 in the transcript [not printed by the RFC; computed]
  messageHash: 'fe000020de7420cc7426d2f6b221edcc9c4bdc9bb0ab048b3ddd2411da7e3a01baea6c7e',
  // §5 {client}  create an ephemeral P-256 key pair: private key
  clientP256PrivateKey: 'ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39',
  // §5 {client}  create an ephemeral P-256 key pair: public key (uncompressed)
  clientP256PublicKey:
    '04a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb' +
    '83954e76ba7352830534159897e8065780',
  // §5 {client}  construct a ClientHello handshake message (second): ClientHello [taken from the RFC record bytes]
  clientHello2:
    '010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201' +
    '0001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da' +
    '7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e' +
    '76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102' +
    '010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd00' +
    '30953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b' +
    '0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500' +
    'af0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '0000000000000000000000000000000000000000000000000000000000000000',
  // §5 {client}  send handshake record (second ClientHello): complete record
  clientHello2Record:
    '1603030200010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f0000061301' +
    '13031302010001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017' +
    '004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d691' +
    '0cfb83954e76ba7352830534159897e8065780002b0003020304000d0020001e04030503060302030804080508060401' +
    '0501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aa' +
    'cad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b' +
    '5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c0002' +
    '4001001500af000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000000000000000000000000000000000000000000000000000000000000000000000',
  // §5 {server}  create an ephemeral P-256 key pair: private key
  serverP256PrivateKey: '8c510601f9765bfb8ed693449a48989859b5cfa879cb9f5443c41c5ff10634ed',
  // §5 {server}  create an ephemeral P-256 key pair: public key (uncompressed)
  serverP256PublicKey:
    '04583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3' +
    'd9c547bc6528c4317d294686093a6cad7d',
  // §5 extract secret "early": secret
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // §5 {server}  construct a ServerHello handshake message: ServerHello
  serverHello:
    '020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f00330045' +
    '0017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835' +
    '40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304',
  // §5 {server}  send handshake record: complete record
  serverHelloRecord:
    '160303007b020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b980013010000' +
    '4f003300450017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b' +
    '04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304',
  // §5 {server}  derive secret for handshake "tls13 derived": expanded
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // §5 {server}  extract secret "handshake": IKM (the (EC)DHE shared secret)
  sharedSecret: 'c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4',
  // §5 {server}  extract secret "handshake": secret
  handshakeSecret: 'ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148',
  // §5 {server}  derive secret "tls13 c hs traffic": hash (transcript through ServerHello)
  helloHash: '8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8',
  // §5 {server}  derive secret "tls13 c hs traffic": expanded
  clientHandshakeTrafficSecret: '158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566',
  // §5 {server}  derive secret "tls13 s hs traffic": expanded
  serverHandshakeTrafficSecret: '3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1',
  // §5 {server}  derive secret for master "tls13 derived": expanded
  derivedForMaster: 'ad1cbcd3a0dc7053eeb3ed3a47901d16a9fc63a73c64beb567481a7dfb3a2cb3',
  // §5 {server}  extract secret "master": secret
  masterSecret: '1131545d0baf79ddce9b87f06945781a57dd18ef378dcd2060f8f9a569027ed8',
  // §5 {server}  derive write traffic keys for handshake data: key expanded
  serverHandshakeKey: '4646bfac1712c426cd78d8a24a8a6f6b',
  // §5 {server}  derive write traffic keys for handshake data: iv expanded
  serverHandshakeIv: 'c7d395c08d62f297d13768ea',
  // §5 {server}  construct an EncryptedExtensions handshake message
  encryptedExtensions: '080000180016000a0008000600170018001d001c0002400100000000',
  // §5 {server}  construct a Certificate handshake message [decrypted from the RFC record; GCM tag verified]
  certificate:
    '0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a' +
    '06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a' +
    '0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98' +
    '0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312' +
    '0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0' +
    '3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355' +
    '1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f' +
    '8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102' +
    '702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8' +
    'f8961229ac9187b42b4de10000',
  // §5 the certificate inside {server}'s Certificate message (DER) [sliced from the Certificate message]
  serverCertificateDer:
    '308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130' +
    '1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130' +
    '819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de' +
    '55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b' +
    '1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4' +
    '7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06' +
    '092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417' +
    'f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4' +
    '2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1',
  // §5 {server}  construct a CertificateVerify handshake message
  certificateVerify:
    '0f0000840804008033ab13d4462707231b5dcae6c8190b63d1dabc74f28c395370da0b07e5b83066d0246a31acd95df4' +
    '75bfd799a4a70d33ad93d3a317a9b2c0d237a5685b219e774112e391a247607d1aeff1bbd0a39f382ee1a5fe88ae99ec' +
    '59228e6497e45d48ce275a6d5ef40d169fb6f9d33b052ed3dcdd6b5a48baafffbcb290128415bd38',
  // §5 {server}  calculate finished "tls13 finished": expanded (finished key)
  serverFinishedKey: 'e7f8bb3ea4b6c30c4710b3d09c3313658117e70b097e850368e2510ca5631f74',
  // §5 {server}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  serverFinishedVerifyData: '8863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1',
  // §5 {server}  construct a Finished handshake message
  serverFinished: '140000208863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1',
  // §5 {server}  send handshake record: payload (all encrypted server handshake messages) [decrypted from the RFC record; GCM tag verified]
  serverHandshakePlaintext:
    '080000180016000a0008000600170018001d001c00024001000000000b0001b9000001b50001b0308201ac30820115a0' +
    '03020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d313630373330' +
    '3031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a8648' +
    '86f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a24' +
    '61eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d44' +
    '9a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f' +
    '7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d0101' +
    '0b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172' +
    'f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c' +
    '54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de100000f000084080400' +
    '8033ab13d4462707231b5dcae6c8190b63d1dabc74f28c395370da0b07e5b83066d0246a31acd95df475bfd799a4a70d' +
    '33ad93d3a317a9b2c0d237a5685b219e774112e391a247607d1aeff1bbd0a39f382ee1a5fe88ae99ec59228e6497e45d' +
    '48ce275a6d5ef40d169fb6f9d33b052ed3dcdd6b5a48baafffbcb290128415bd38140000208863e6bfb0420a927fa27f' +
    '34336a70ae426e968e3eb884945b96856dba3976d1',
  // §5 {server}  send handshake record: complete record (encrypted)
  serverHandshakeRecord:
    '170303029699bee20baf5b7fc727bfab6223928a381e6d0cf9c4da653f9d2a7b23f7de11cce842d5cf75631763450ffb' +
    '8b0cc1d238e658af7a12adc86243114ab14a1da2fae42621ce483fb6242eabfaad52566b02b31d2eddedefeb80e66a99' +
    '00d5f973b40c4fdf74719ecf1b68d7f9c3b6ceb903ca13dd1bb8f8187ae33417e1d152522c5822a1a03ad52c838c5595' +
    '3d610222874cce8e1790b229a2aa0b53c8d377ee720182951dc6181dc5d90bd1f0105ed1e84aa5f75957c6661897079e' +
    '5ea5007449e3197bdc7c9beeedddeafdd844afa5c315ecfe65e576afe909812880620ec7048b42d7f5c78d76f299d6d8' +
    '2534bdd8f512febc0ed3814aca470cd8000d3e1cb9962b052fbb950df683a52c2ba77ed3713b122937a6e5170964e2ab' +
    '7969dcd980b3db9b458da7603124d6dc005e4d6e04b4d0c4baf3275db827dbba0a6db09672171fc057b3851d7e026841' +
    'e2978fbd2346bbefdd0376bb1108fe9acc92189f5650aa5e85d8e8c7b67ac510dba003d3d7e16350bb66d45013efd44c' +
    '9b607c0d318c4c7d1a1f5cbc57e20611804e3787d7b4a4b5f08ed8fd70bdaeade02260b12ab842ef690b4a3ee7911e84' +
    '1b374ecd5ebbbc2a54d047b600336dd7d0c88b4bc10e58ee6cb656de7247fa20d8e91deb84628608cf80615b62e96c14' +
    '91c7ac3755eb6901405d3474fe1ac79d106a0cee56c2577fc88480f96cb6b8c681b7b68b53c146093908f350888175bd' +
    'fb0b1e31ad61e30ba0adfe6d223aa03c0783b5001a57587c328a9afcfcfb978d1cd4328f7d9d60530e630befd96c0c81' +
    '6ee20b0100768ae2a6df51fc68f172740a79af11398ee3be1252491fa9c693479e877f94ab7c5f8cad480203e6ab7b87' +
    'dd71e8a0729113df17f5eee86ce108d1d72007ec1cd13c85a6c149621e77b7d78d805a30f0be030c315e54',
  // §5 {server}  derive secret "tls13 c ap traffic": hash (transcript through server Finished) [recomputed from the RFC inputs; no copy found]
  serverFinishedHash: '50f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950b2b7ce9509da',
  // §5 {server}  derive secret "tls13 c ap traffic": expanded
  clientApplicationTrafficSecret: '75ecf4b972525aa0dcd057c9944d4cd5d82671d8843141d7dc2a4ff15a21dc51',
  // §5 {server}  derive secret "tls13 s ap traffic": expanded
  serverApplicationTrafficSecret: '5c74f87df04225db0f8209c9de6429e49435fdefa7cad61864874d12f31cfc8d',
  // §5 {server}  derive secret "tls13 exp master": expanded
  exporterMasterSecret: '7c06d3ae106a3a374ace4837b3985cac67780a6e2c5c04b58319d584df09d223',
  // §5 {server}  derive write traffic keys for application data: key expanded
  serverApplicationKey: 'f27a5d97bd25550c4823b0f3e5d29388',
  // §5 {server}  derive write traffic keys for application data: iv expanded
  serverApplicationIv: '0dd631f7b71cbbc797c35fe7',
  // §5 {server}  derive read traffic keys for handshake data: key expanded (= {client} write key)
  clientHandshakeKey: '2f1f918663d590e7421149a29d94b0b6',
  // §5 {server}  derive read traffic keys for handshake data: iv expanded (= {client} write iv)
  clientHandshakeIv: '414d5485235e1a688793bd74',
  // §5 {client}  calculate finished "tls13 finished": expanded (finished key)
  clientFinishedKey: '81be4131fbb9b6f4471450846f74fd1e68c5224ba7c2a8677f5c53ad226fdc13',
  // §5 {client}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  clientFinishedVerifyData: '23f52fdb0709a55bd7f79b991f25484087bcfd4d4380b12326a52a28b2e368e1',
  // §5 {client}  construct a Finished handshake message
  clientFinished: '1400002023f52fdb0709a55bd7f79b991f25484087bcfd4d4380b12326a52a28b2e368e1',
  // §5 {client}  send handshake record: complete record (encrypted Finished)
  clientFinishedRecord:
    '1703030035d74f1923c662fd34137c6f502f3dd2b93d951d1b3bc97e42afe23c31abea92fe91b474999e85e3b791ce25' +
    '2fe8c3e9f939a4120cb2',
  // §5 {client}  derive write traffic keys for application data: key expanded
  clientApplicationKey: 'a7eb2a0525eb4331d58fcbf9f7ca2e9c',
  // §5 {client}  derive write traffic keys for application data: iv expanded
  clientApplicationIv: '86e8be227c1bd2b3e39cb444',
  // §5 {client}  derive secret "tls13 res master": hash (transcript through client Finished)
  clientFinishedHash: '0e8b349158b855fdcd0c11dbbc4e83e43caa6e483c6c65df53151888e50165f4',
  // §5 {client}  derive secret "tls13 res master": expanded
  resumptionMasterSecret: '09170c6d472721566f9cf99b08699daff561ec8fb22d5a32c3f94ce009b69975',
  // §5 {client}/{server}  send alert record: payload (close_notify)
  closeNotify: '0100',
  // §5 {client}  send alert record: complete record
  clientAlertRecord: '17030300132ea6cdf749196023e2b3a49491695536426047',
  // §5 {server}  send alert record: complete record
  serverAlertRecord: '1703030013519fc5075cb0884349759ff9ef6f011bb4c6f2',
};

/** RFC 8448 §6 Client Authentication (ECDSA P-256 server, RSA client). */
export const clientAuthentication = {
  // §6 {client}  create an ephemeral x25519 key pair: private key
  clientPrivateKey: 'c040b2bb8f3addd20fd4058c547003a3c6f9c1cd915d5e535c87d8d191aaf071',
  // §6 {client}  create an ephemeral x25519 key pair: public key
  clientPublicKey: '089cc2671f738d9a671e5b2e464981d05b76e361aa22aea91f1d49ca10a7a362',
  // §6 {client}  construct a ClientHello handshake message: ClientHello [taken from the RFC record bytes]
  clientHello:
    '010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89ab865a4ff0f4144ce3ae23300000613011303130201' +
    '00008d0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '3300260024001d0020089cc2671f738d9a671e5b2e464981d05b76e361aa22aea91f1d49ca10a7a362002b0003020304' +
    '000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // §6 {client}  send handshake record: complete record
  clientHelloRecord:
    '16030100c0010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89ab865a4ff0f4144ce3ae2330000061301' +
    '130313020100008d0000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102' +
    '01030104003300260024001d0020089cc2671f738d9a671e5b2e464981d05b76e361aa22aea91f1d49ca10a7a362002b' +
    '0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d0002010100' +
    '1c00024001',
  // §6 extract secret "early": secret
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // §6 {server}  create an ephemeral x25519 key pair: private key
  serverPrivateKey: '7382a5ad1cdd2056ae18cc708bd007d98130dbe2cd4d9ead9b96952becbb0888',
  // §6 {server}  create an ephemeral x25519 key pair: public key
  serverPublicKey: '6c2e50e865919a6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062',
  // §6 {server}  construct a ServerHello handshake message: ServerHello
  serverHello:
    '0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59afa0582c0ea032874255fe6e00130100002e00330024' +
    '001d00206c2e50e865919a6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062002b00020304',
  // §6 {server}  send handshake record: complete record
  serverHelloRecord:
    '160303005a0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59afa0582c0ea032874255fe6e0013010000' +
    '2e00330024001d00206c2e50e865919a6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062002b00020304',
  // §6 {server}  derive secret for handshake "tls13 derived": expanded
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // §6 {server}  extract secret "handshake": IKM (the (EC)DHE shared secret) [recomputed from the RFC inputs; no copy found]
  sharedSecret: '7dc114f6475dfa7977be736ef7cbebc48c70329e8e9a74b4d7033c43f9597d4f',
  // §6 {server}  extract secret "handshake": secret
  handshakeSecret: 'd995243674fb6400d7d37bc0e9861bdbd9ed095601dcf2994874f2803de22e39',
  // §6 {server}  derive secret "tls13 c hs traffic": hash (transcript through ServerHello) [recomputed from the RFC inputs; no copy found]
  helloHash: '88ebc042bd0d5a643b22fca7a47defd4007dfe184949a6261c596c4e002a74a2',
  // §6 {server}  derive secret "tls13 c hs traffic": expanded
  clientHandshakeTrafficSecret: 'cec7a30c6872070f22a7eeb065768db67c45e29533db879908ce6dc66f5911de',
  // §6 {server}  derive secret "tls13 s hs traffic": expanded
  serverHandshakeTrafficSecret: '8b02d3c00442a2722c4098ebe8675b23e801510f0d7ed778d8eb0b8f42a19a5e',
  // §6 {server}  derive secret for master "tls13 derived": expanded
  derivedForMaster: '74575526b07c81a9c1b17e6b34e0e6d084747a61f396f597ebb92c0736ec60e8',
  // §6 {server}  extract secret "master": secret
  masterSecret: '57c15d7b9d441b3d40a9c6ea8a3d730e07b3a1ea7a3339ed7070b9a74a3f4f28',
  // §6 {server}  derive write traffic keys for handshake data: key expanded
  serverHandshakeKey: '6cb6e60619d8c7355c5d4c4bc2be90d5',
  // §6 {server}  derive write traffic keys for handshake data: iv expanded
  serverHandshakeIv: '64f239530c3b888fde85e0be',
  // §6 {server}  construct an EncryptedExtensions handshake message
  encryptedExtensions: '080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000',
  // §6 {server}  construct a CertificateRequest handshake message
  certificateRequest: '0d000027000024000d0020001e040305030603020308040805080604010501060102010402050206020202',
  // §6 {server}  construct a Certificate handshake message
  certificate:
    '0b00013b000001370001323082012e3081d5a003020102020107300a06082a8648ce3d04030230133111300f06035504' +
    '0313086563647361323536301e170d3136303733303031323430305a170d3236303733303031323430305a3013311130' +
    '0f0603550403130865636473613235363059301306072a8648ce3d020106082a8648ce3d0301070342000408d5301615' +
    '75f4cfe7f154ee3448180086001e88431a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f' +
    '468406f5c3a15158948dd0a31a301830090603551d1304023000300b0603551d0f040403020780300a06082a8648ce3d' +
    '0403020348003045022100df30fd4507f5edd22c1a6ff86db479ca693feeca3b71b3f9ef556b2937c0594d022062e2a4' +
    '7250d320fea83c7e2dcb5b76a50e0200c09adbd13fee946e513e011d110000',
  // §6 the certificate inside {server}'s Certificate message (DER) [sliced from the Certificate message]
  serverCertificateDer:
    '3082012e3081d5a003020102020107300a06082a8648ce3d04030230133111300f060355040313086563647361323536' +
    '301e170d3136303733303031323430305a170d3236303733303031323430305a30133111300f06035504031308656364' +
    '73613235363059301306072a8648ce3d020106082a8648ce3d0301070342000408d530161575f4cfe7f154ee34481800' +
    '86001e88431a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0' +
    'a31a301830090603551d1304023000300b0603551d0f040403020780300a06082a8648ce3d0403020348003045022100' +
    'df30fd4507f5edd22c1a6ff86db479ca693feeca3b71b3f9ef556b2937c0594d022062e2a47250d320fea83c7e2dcb5b' +
    '76a50e0200c09adbd13fee946e513e011d11',
  // §6 {server}  construct a CertificateVerify handshake message
  certificateVerify:
    '0f00004b040300473045022100d7a4d34bd54f55fee1a89625678c3dd5e5f60dac73ec940c5c7b9304a02084a9022028' +
    '9f595ed488b9ac689a3d192b1a8bb38f34af7874c059c9806a1f38269353e8',
  // §6 {server}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  serverFinishedKey: '4e795cde239d5e190eae441b9e716eeb138549058cdb76fa9aeeaf548aef563e',
  // §6 {server}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  serverFinishedVerifyData: '93b70cdf4781985b96345caac701b4e750d3042df1a689d8faca812251113c11',
  // §6 {server}  construct a Finished handshake message
  serverFinished: '1400002093b70cdf4781985b96345caac701b4e750d3042df1a689d8faca812251113c11',
  // §6 {server}  send handshake record: payload (all encrypted server handshake messages) [decrypted from the RFC record; GCM tag verified]
  serverHandshakePlaintext:
    '080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000d00002700002400' +
    '0d0020001e0403050306030203080408050806040105010601020104020502060202020b00013b000001370001323082' +
    '012e3081d5a003020102020107300a06082a8648ce3d04030230133111300f060355040313086563647361323536301e' +
    '170d3136303733303031323430305a170d3236303733303031323430305a30133111300f060355040313086563647361' +
    '3235363059301306072a8648ce3d020106082a8648ce3d0301070342000408d530161575f4cfe7f154ee344818008600' +
    '1e88431a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0a31a' +
    '301830090603551d1304023000300b0603551d0f040403020780300a06082a8648ce3d0403020348003045022100df30' +
    'fd4507f5edd22c1a6ff86db479ca693feeca3b71b3f9ef556b2937c0594d022062e2a47250d320fea83c7e2dcb5b76a5' +
    '0e0200c09adbd13fee946e513e011d1100000f00004b040300473045022100d7a4d34bd54f55fee1a89625678c3dd5e5' +
    'f60dac73ec940c5c7b9304a02084a90220289f595ed488b9ac689a3d192b1a8bb38f34af7874c059c9806a1f38269353' +
    'e81400002093b70cdf4781985b96345caac701b4e750d3042df1a689d8faca812251113c11',
  // §6 {server}  send handshake record: complete record (encrypted)
  serverHandshakeRecord:
    '17030302166d0a7ac079b32a94aa68c4e2893e8bd0d3c185f549c236fbbce3d647f08f3c94a2bf424d8708883605ad89' +
    '55f97718b0213dead13dfb23ebb8381da582756612bcb5a5d40847719fbe9f179bfae656f3ecfd59a4c0d35132ce418a' +
    '7e46f6b6a60622f8a6c06b28d83360163563be9c37f97eb902326924a72b3ed8c8381277d1581cab9c3715ac24013984' +
    '67ad7ebfab3d0c3419e750104f7d62c5027901f2e4cd4ca5b8071eb03d3c732d83215066dfc4d291d4c1ff3b8d7e4298' +
    'f677d4d51dea1168d8f16cb27ba40266313a1fedf9e23cc77f765450f9e96f05d08f3da245b14d4946f07ec81eed6d56' +
    'f26bd574f0b7f7c7047037c16fce3b23754e662fad73e2b7213f6af296769c99a1d38e6232e0ec8dc4f84d6aa6f7de38' +
    '87be0057862f9018e0ab396705aa4090ab5f2dff6325a557e7320d4effd46bb4f997d163207cce6665294aa4465541e3' +
    'fe37ee7350659ea550d6dcb6af3c518852c7a14c3cc15bc32b3273bdf1751da184203135b117d300204fb12d58ca9ac3' +
    '4b68eca27030832f7a4b46d2a55757f63fe8f6e85ac47469e6198da88a64586bf23c69590de822263be75fd836847240' +
    'c48f8c145cd6bd698962e7edc234ebe59231351eef8d7652cf3b08ab3af6e5ec74c58a8da34b39f9b0d6c4279a9a1f82' +
    '071729e7059dd7f7b95b9433c4684ce1891a6d33432d52eddb0b8cee9181d403eccc12991f1ad4aa62c36049713a7bb1' +
    '35fdda6661a05a93f8c16f',
  // §6 {server}  derive secret "tls13 c ap traffic": hash (transcript through server Finished) [recomputed from the RFC inputs; no copy found]
  serverFinishedHash: '5177a29af5a17f9b4933e431851d128345366c1720d38f8f0465eeeae6740372',
  // §6 {server}  derive secret "tls13 c ap traffic": expanded
  clientApplicationTrafficSecret: '73c2e890fa8d067258d6d50fa92fe456b098cf00d9727eed91e8892ef4e6f860',
  // §6 {server}  derive secret "tls13 s ap traffic": expanded
  serverApplicationTrafficSecret: 'c49a91faf57f8c545d5048a015bf849ff63942e4a7edcd319f8b438a97c52e21',
  // §6 {server}  derive secret "tls13 exp master": expanded
  exporterMasterSecret: '052e39795e5f2be6e4e0974cfdd86c6a7afe3e57e5589810a3cccf642958beb2',
  // §6 {server}  derive write traffic keys for application data: key expanded
  serverApplicationKey: '88b3123ddecadf8c1ba298e2c18176b0',
  // §6 {server}  derive write traffic keys for application data: iv expanded
  serverApplicationIv: '4e0978513f9de8327c08e4f3',
  // §6 {server}  derive read traffic keys for handshake data: key expanded (= {client} write key)
  clientHandshakeKey: '916948f728d9823fa41a004d083f217f',
  // §6 {server}  derive read traffic keys for handshake data: iv expanded (= {client} write iv)
  clientHandshakeIv: '64153d79bac9ea10ca5a0a88',
  // §6 {client}  construct a Certificate handshake message [decrypted from the RFC record; GCM tag verified]
  clientCertificate:
    '0b0001bf000001bb0001b6308201b23082011ba003020102020101300d06092a864886f70d01010b05003011310f300d' +
    '06035504031306636c69656e74301e170d3136303733303031323335395a170d3236303733303031323335395a301131' +
    '0f300d06035504031306636c69656e7430819f300d06092a864886f70d010101050003818d0030818902818100c38175' +
    'e004a68d093f823b9c379d201fbc0bb7a1c791905e3fbf76847e44e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e' +
    '9bf5bebabd92edf1de1ff19021703e7ab6c0901513f97e39b111f09c9348971c7b211984a754cd45fe095af0ea423682' +
    '9bccf7a7fe9b2888e78ab477690a5b9e1ccbe91c6a4a0f97a7e02842010203010001a31a301830090603551d13040230' +
    '00300b0603551d0f040403020780300d06092a864886f70d01010b0500038181001a7a5a018532b022af0767d486160c' +
    'ff2d167a1915d23835b54594916dc680be5d2e626076c5d52722ebcc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0' +
    '608aa1e7e3971ef0c07a41d47ad8345d1f81fe418a1cf41054429fd217bd777dc1cf08f05df90799c659361e0f1a8ee4' +
    'ac0f7897420bdbc823da80a2f2ba23081c0000',
  // §6 the certificate inside {client}'s Certificate message (DER) [sliced from the Certificate message]
  clientCertificateDer:
    '308201b23082011ba003020102020101300d06092a864886f70d01010b05003011310f300d06035504031306636c6965' +
    '6e74301e170d3136303733303031323335395a170d3236303733303031323335395a3011310f300d0603550403130663' +
    '6c69656e7430819f300d06092a864886f70d010101050003818d0030818902818100c38175e004a68d093f823b9c379d' +
    '201fbc0bb7a1c791905e3fbf76847e44e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e9bf5bebabd92edf1de1ff1' +
    '9021703e7ab6c0901513f97e39b111f09c9348971c7b211984a754cd45fe095af0ea4236829bccf7a7fe9b2888e78ab4' +
    '77690a5b9e1ccbe91c6a4a0f97a7e02842010203010001a31a301830090603551d1304023000300b0603551d0f040403' +
    '020780300d06092a864886f70d01010b0500038181001a7a5a018532b022af0767d486160cff2d167a1915d23835b545' +
    '94916dc680be5d2e626076c5d52722ebcc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0608aa1e7e3971ef0c07a41' +
    'd47ad8345d1f81fe418a1cf41054429fd217bd777dc1cf08f05df90799c659361e0f1a8ee4ac0f7897420bdbc823da80' +
    'a2f2ba23081c',
  // §6 {client}  construct a CertificateVerify handshake message [decrypted from the RFC record; GCM tag verified]
  clientCertificateVerify:
    '0f00008408040080186b2223b503a759c35dba0e9721b4b579138d5f0f5e6ec7feaaf27f3ad7f386c2c7bd7cb2be52fb' +
    'f5ed8393f406ee79369692ec7ac695651d858219e672a8eb7b2a677b640b46ab630edc5f3f2f8272b9c0d906f81f84dd' +
    'c5b8c7bcf955c78a3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3581e2f098ad4157fd6d6ad',
  // §6 {client}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  clientFinishedKey: '4fddd76bbcb8e30c7261b1db401bb136ed39bce6a4815a2124476e27e6cbcbf6',
  // §6 {client}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  clientFinishedVerifyData: '9afe2ba2f63a09d229d8a429e5b37ffd9fcc73bdb5911b82425972aa2892440f',
  // §6 {client}  construct a Finished handshake message [decrypted from the RFC record; GCM tag verified]
  clientFinished: '140000209afe2ba2f63a09d229d8a429e5b37ffd9fcc73bdb5911b82425972aa2892440f',
  // §6 {client}  send handshake record: payload (Certificate, CertificateVerify, Finished) [decrypted from the RFC record; GCM tag verified]
  clientHandshakePlaintext:
    '0b0001bf000001bb0001b6308201b23082011ba003020102020101300d06092a864886f70d01010b05003011310f300d' +
    '06035504031306636c69656e74301e170d3136303733303031323335395a170d3236303733303031323335395a301131' +
    '0f300d06035504031306636c69656e7430819f300d06092a864886f70d010101050003818d0030818902818100c38175' +
    'e004a68d093f823b9c379d201fbc0bb7a1c791905e3fbf76847e44e751ebbcd360bd945c81e5222bcc8846d3a8a0f93e' +
    '9bf5bebabd92edf1de1ff19021703e7ab6c0901513f97e39b111f09c9348971c7b211984a754cd45fe095af0ea423682' +
    '9bccf7a7fe9b2888e78ab477690a5b9e1ccbe91c6a4a0f97a7e02842010203010001a31a301830090603551d13040230' +
    '00300b0603551d0f040403020780300d06092a864886f70d01010b0500038181001a7a5a018532b022af0767d486160c' +
    'ff2d167a1915d23835b54594916dc680be5d2e626076c5d52722ebcc775d7d99f980be2fc94d34acf6cc00ba90cbcfb0' +
    '608aa1e7e3971ef0c07a41d47ad8345d1f81fe418a1cf41054429fd217bd777dc1cf08f05df90799c659361e0f1a8ee4' +
    'ac0f7897420bdbc823da80a2f2ba23081c00000f00008408040080186b2223b503a759c35dba0e9721b4b579138d5f0f' +
    '5e6ec7feaaf27f3ad7f386c2c7bd7cb2be52fbf5ed8393f406ee79369692ec7ac695651d858219e672a8eb7b2a677b64' +
    '0b46ab630edc5f3f2f8272b9c0d906f81f84ddc5b8c7bcf955c78a3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3' +
    '581e2f098ad4157fd6d6ad140000209afe2ba2f63a09d229d8a429e5b37ffd9fcc73bdb5911b82425972aa2892440f',
  // §6 {client}  send handshake record: complete record (encrypted)
  clientHandshakeRecord:
    '1703030280b46a63934e673841abaf267403bc677f6b6d2a1e2f12bb5f62683bfe36a82673f06d6287ddd609bcf2f5fd' +
    '3225923d24af3c76682c180ee571a17ca4bfbe2f510dc9a0e1fca5cff2cee87d11cb531a6ef90bf5309a6b63bbbc0b88' +
    'ea45103a4304091543859fa11ec032ed873444cd5185ead5f6a76420f0f0286acef802c8e4788c23275f1b06da600f4a' +
    '7decd0bc59d7bef10e649ae32690397fc3d4ed6f30f801d8cd569b71ad4fa05ea7cf2ac2dfa150d220505d4011b34d09' +
    'd53853eba61a101e4f8dca47d8171a884b19259a3dd48c5ac141983edc77814d25e7f66bbbdb9096839266e06561828e' +
    'cfb27eafd4e9e81a0b96e3bfa42dae5ad80359b9a6661402c3a2104177030106dbd8f65bb6a0159d512eb13af22a259f' +
    '313bd58c2e21fe053d57f2a962b0a4ea682c96f70b79b560136192823b27be6a2fb7b1c751ccc0e3303615541485b7b3' +
    '07b423332c11efa80b72f9b80a53e53f7bb38a3af4c59f8008bad0544e5614e688ff57bccd6935f81f447f420c1c1bf4' +
    '058818e90bf5dc716ccae42524856df8250bcdbd7af65f82dd53061d024f6d2ff5c11e3792a9a70e0ee2a3c20a1b968a' +
    'c391f8f92831135d25242ada2fe241c2653ec996339dfa12dfae7a3373df88b07ca27aef6dc266a25f13f75c76039c1f' +
    '46fd7a53ae6399c999f4b2aee18e480d6d12bfae226bbdc92a6ad50b4d3bac7abc3b3651eb5be56f33bf41127b3ca886' +
    'dc714a50d1490357bd40d9fd6be42209a4ddb9ebb2987e29f120f05814614d2c79320015b461fe7324447670a1af5f65' +
    'caed15b474ab7faa495016adf808e53b94ef54afbb0e0a3a2732ab597f7d5923c77386aa5124731f8cc73e703b341c17' +
    '5a454939a77ab64313c15cf3fe03c4f33842564976',
  // §6 {client}  derive write traffic keys for application data: key expanded
  clientApplicationKey: 'cdc09c806aa8f86dfcd51efc44a0c039',
  // §6 {client}  derive write traffic keys for application data: iv expanded
  clientApplicationIv: '6ef852e78b46d913668e53e7',
  // §6 {client}  derive secret "tls13 res master": hash (transcript through client Finished) [recomputed from the RFC inputs; no copy found]
  clientFinishedHash: '391d004bd84c831b1582444414b4dc8064010ecc76f37f88bfeb1e88fe135c25',
  // §6 {client}  derive secret "tls13 res master": expanded
  resumptionMasterSecret: '1006dccbf40eb4eb978bff0392a9e452a4fbad58aa14784d5a241c6b49daccfb',
  // §6 {client}/{server}  send alert record: payload (close_notify)
  closeNotify: '0100',
  // §6 {client}  send alert record: complete record
  clientAlertRecord: '1703030013e4ad7d44c29245339d355962c779b89ef44c58',
  // §6 {server}  send alert record: complete record
  serverAlertRecord: '17030300131decc5d6e64bba8a6f21b4fd077497da2a90cb',
};

/** RFC 8448 §7 Compatibility Mode (RFC 8446 Appendix D.4). */
export const compatibilityMode = {
  // §7 {client}  create an ephemeral x25519 key pair: private key
  clientPrivateKey: 'dea00b45695dc781f19d34a62c1afd31ab4369af1e855a3bbb258d8442cde6d7',
  // §7 {client}  create an ephemeral x25519 key pair: public key
  clientPublicKey: '8e7292cf3056dbb0d25fcbe55c107dc9bbf83dd9708f39203ba341249a7d9b63',
  // §7 {client}  construct a ClientHello handshake message: ClientHello [taken from the RFC record bytes]
  clientHello:
    '010000dc03034e640a3f2c2738f09c9418bd78edccd7559d0531199276d4d92a0e9ee9d77d0920a80c165581a8e0d06c' +
    '0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef00061301130313020100008d0000000b000900000673657276' +
    '6572ff01000100000a00140012001d00170018001901000101010201030104003300260024001d00208e7292cf3056db' +
    'b0d25fcbe55c107dc9bbf83dd9708f39203ba341249a7d9b63002b0003020304000d0020001e04030503060302030804' +
    '0805080604010501060102010402050206020202002d00020101001c00024001',
  // §7 {client}  send handshake record: complete record
  clientHelloRecord:
    '16030100e0010000dc03034e640a3f2c2738f09c9418bd78edccd7559d0531199276d4d92a0e9ee9d77d0920a80c1655' +
    '81a8e0d06c0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef00061301130313020100008d0000000b00090000' +
    '06736572766572ff01000100000a00140012001d00170018001901000101010201030104003300260024001d00208e72' +
    '92cf3056dbb0d25fcbe55c107dc9bbf83dd9708f39203ba341249a7d9b63002b0003020304000d0020001e0403050306' +
    '03020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // §7 extract secret "early": secret
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // §7 {server}  create an ephemeral x25519 key pair: private key
  serverPrivateKey: '017c38a3647921ca2d9ed6bd7ae7132b94211b1331bb208c8ccdd51556409995',
  // §7 {server}  create an ephemeral x25519 key pair: public key
  serverPublicKey: '3e30f0f4ba551afd62768341175f5265e4daf0c8841617aa4fafdd2142320c22',
  // §7 {server}  construct a ServerHello handshake message: ServerHello
  serverHello:
    '020000760303e5dd5948c435f7a38f0f0130708dc322d9df09abd4838117c183a7bb6d994f2c20a80c165581a8e0d06c' +
    '0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef130100002e00330024001d00203e30f0f4ba551afd62768341' +
    '175f5265e4daf0c8841617aa4fafdd2142320c22002b00020304',
  // §7 {server}  send handshake record: complete record
  serverHelloRecord:
    '160303007a020000760303e5dd5948c435f7a38f0f0130708dc322d9df09abd4838117c183a7bb6d994f2c20a80c1655' +
    '81a8e0d06c0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef130100002e00330024001d00203e30f0f4ba551a' +
    'fd62768341175f5265e4daf0c8841617aa4fafdd2142320c22002b00020304',
  // §7 {server}  derive secret for handshake "tls13 derived": expanded
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // §7 {server}  extract secret "handshake": IKM (the (EC)DHE shared secret) [recomputed from the RFC inputs; no copy found]
  sharedSecret: 'eef790559077db5bb63b6684e4169f051e8fb34ce59bafce2f9c8ee68cc4eb79',
  // §7 {server}  extract secret "handshake": secret
  handshakeSecret: 'f91761354a67e9b07c6dcc3a55707efa69c4519d8040e5f215121e0df69afa4a',
  // §7 {server}  derive secret "tls13 c hs traffic": hash (transcript through ServerHello) [recomputed from the RFC inputs; no copy found]
  helloHash: '745c55bac399310b7b5a7c81a2c130b4d56dff6f68c3ab477857601e01f1f8d1',
  // §7 {server}  derive secret "tls13 c hs traffic": expanded
  clientHandshakeTrafficSecret: '2c3cb24a1081edb59518ee6861e89a6b72b3801afe7713e4cbbc21c0795bf831',
  // §7 {server}  derive secret "tls13 s hs traffic": expanded
  serverHandshakeTrafficSecret: 'cace3d555cc1c577cf970cff28cf978d6a9800085442e18d695b50f3151d18c8',
  // §7 {server}  derive secret for master "tls13 derived": expanded
  derivedForMaster: '5da12dc47835ba73fdd994b14ab7e63cc63f0d79162f6756e9a46756c8b2b642',
  // §7 {server}  extract secret "master": secret [recomputed from the RFC inputs; no copy found]
  masterSecret: '628112dae2f702488063e42de6c850a5c0820b90903e00abc31875da03d4bc5b',
  // §7 {server}  derive write traffic keys for handshake data: key expanded
  serverHandshakeKey: '041091fdab29f2c8abfb156dc5fc8d54',
  // §7 {server}  derive write traffic keys for handshake data: iv expanded
  serverHandshakeIv: '7464d791685de05998fcbadb',
  // §7 {server}  construct an EncryptedExtensions handshake message
  encryptedExtensions: '080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000',
  // §7 {server}  construct a Certificate handshake message [decrypted from the RFC record; GCM tag verified]
  certificate:
    '0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a' +
    '06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a' +
    '0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98' +
    '0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312' +
    '0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0' +
    '3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355' +
    '1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f' +
    '8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102' +
    '702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8' +
    'f8961229ac9187b42b4de10000',
  // §7 the certificate inside {server}'s Certificate message (DER) [sliced from the Certificate message]
  serverCertificateDer:
    '308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130' +
    '1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130' +
    '819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de' +
    '55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b' +
    '1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4' +
    '7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06' +
    '092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417' +
    'f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4' +
    '2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1',
  // §7 {server}  construct a CertificateVerify handshake message
  certificateVerify:
    '0f00008408040080a2301a68dd1ceee6938fe9d40c46b9201b34d59952a37e06523a39cf8ba6c9c8b68ae94492af7805' +
    '16ed7b73c82812e99dd3fabea45e09d9c6848721c2808c61501b0c75e7fcaba5f78bef68a2c2b69b19558b3e40387eea' +
    '93d25c7781c1cc00e9f519f7e2e4adb73e76d66089000a2dc866c2ed30bba50a0d457f19dc6eb9f3',
  // §7 {server}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  serverFinishedKey: '2c9f72f27b81e7df668caccd49371f1286d411e16c8ccc1c0d9aed72cbbdc080',
  // §7 {server}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  serverFinishedVerifyData: 'c8c3a8f1bff5274061f4bc3a7caffbdc9616094ca625caa65f8e76ed46db74d3',
  // §7 {server}  construct a Finished handshake message
  serverFinished: '14000020c8c3a8f1bff5274061f4bc3a7caffbdc9616094ca625caa65f8e76ed46db74d3',
  // §7 {server}  send handshake record: payload (all encrypted server handshake messages) [decrypted from the RFC record; GCM tag verified]
  serverHandshakePlaintext:
    '080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5' +
    '0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372' +
    '7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372' +
    '736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c' +
    '0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc' +
    'b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a' +
    '8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0' +
    '300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594' +
    '365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1' +
    'fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4' +
    '2b4de100000f00008408040080a2301a68dd1ceee6938fe9d40c46b9201b34d59952a37e06523a39cf8ba6c9c8b68ae9' +
    '4492af780516ed7b73c82812e99dd3fabea45e09d9c6848721c2808c61501b0c75e7fcaba5f78bef68a2c2b69b19558b' +
    '3e40387eea93d25c7781c1cc00e9f519f7e2e4adb73e76d66089000a2dc866c2ed30bba50a0d457f19dc6eb9f3140000' +
    '20c8c3a8f1bff5274061f4bc3a7caffbdc9616094ca625caa65f8e76ed46db74d3',
  // §7 {server}  send handshake record: complete record (encrypted)
  serverHandshakeRecord:
    '17030302a248de891d9c3624a67a6c6f0601ab7ac20c1f6a9e14d2e6007e999e130367a8af1bcfea9498fbce19df4505' +
    'eece3a25da523cbe55ea1b3bda4e91995e455d500a4faa6227b7111e1c8547e2d7c179db215303d25827f3cd18f48f64' +
    '91328cf5c0f814d388150bd9e9264aae491db6995069bea17665d5e0c817284d4ac21880054c3657331e23a9304dc88a' +
    '15c04ec80bd3852bf7f9d3c6615b15fac83bbca031c6d2310d9f5d7a4b020a4f7c19062b65c05a1d3264b557ec9d8e0f' +
    '7cee27e36f793039de8dd96edfca9009e0651034bff31d7f349eece01d99fcb5fcab840d7707c72299c3b5d04564e880' +
    'a33c5e846c762e3d922bb55303d1d87cc0f06573f17dcb9b8ffd35bbd883c1cb3aa24fcc325005f768ce2fb624ca97b6' +
    'c4d98e17f35bc2c7940a06100c2d448db7180b2d862164435c9c210e9860394e05aab23ff1b0203f662c588da5bc4411' +
    '477a30b41136c488a0a63fcab5c15ac613226dae827a1d1fe95ece6b30bcee1560a8d408d264555e760f9bfc624c2c87' +
    'fd0456c9bfb41bcd1a7b212786d2b67fd57804facfa1eef7cf2919d8b998c9789f763b4d9caa093a9ded43175d46a76b' +
    '4d54f0ce0c5d2259b607e30a9d241263874fa59d6f570dc40d83a2d83bf9e9850d454c57806535a8998ae0357df92f00' +
    'b9667344c24114ccc9ef539124b204e7e6e748c30a28a3d1d183997243eaccbbd33b0c1115a0327106a1e6a75271d498' +
    '3086f632ff0eb8b4c63102cbcef5bb72dae1279d5de8eb19096d8cdb07fa8ea989788fac23e66e0488c193f3f3fea8c8' +
    '838896bf3ae4b6848d42ced4bdf41abe6fc331b44225e7a1f7d3564147d5458e71aa909cb02be958bbc42e3aa5a27cc6' +
    'eaf4b6fe51ae4495694d8ab6320aab920183fd5b31a359042fbd67391ec5e4d1892a2e5210141a494e9301b24a113c47' +
    '4c7f2a73457847',
  // §7 {server}/{client}  send change_cipher_spec record: complete record
  changeCipherSpecRecord: '140303000101',
  // §7 {server}  derive secret "tls13 c ap traffic": hash (transcript through server Finished) [recomputed from the RFC inputs; no copy found]
  serverFinishedHash: '0707dcac7b2fa428cc7f691694a2590c806aaa5c0cf5087ed5385012e7f96cd4',
  // §7 {server}  derive secret "tls13 c ap traffic": expanded
  clientApplicationTrafficSecret: '743e4c6b56cf3909d1b06d01956ccd2c4b37758449aec41d98dae44924eaa299',
  // §7 {server}  derive secret "tls13 s ap traffic": expanded
  serverApplicationTrafficSecret: 'b6b8144aa335ed3059c0c9c8f0ecabf7afc94af6643bdecdfd9210188fab7451',
  // §7 {server}  derive secret "tls13 exp master": expanded
  exporterMasterSecret: 'fb69121cea334db459e12272d179baca2369b643d11a6ac72b8b27a5c964feb1',
  // §7 {server}  derive write traffic keys for application data: key expanded
  serverApplicationKey: 'edc4cbd0041c28cc7167441d7ca53e6a',
  // §7 {server}  derive write traffic keys for application data: iv expanded
  serverApplicationIv: 'bf6c7d8e0a9545b427dcf139',
  // §7 {server}  derive read traffic keys for handshake data: key expanded (= {client} write key)
  clientHandshakeKey: '62d13c13ffd7402fc1c09e3d163665cb',
  // §7 {server}  derive read traffic keys for handshake data: iv expanded (= {client} write iv)
  clientHandshakeIv: '7166f20028bf146dcfbd5a40',
  // §7 {client}  calculate finished "tls13 finished": expanded (finished key) [recomputed from the RFC inputs; no copy found]
  clientFinishedKey: '77341abc8c0ffab5180736713e41d2f665c410a404c8c21edcd948a4440fd80c',
  // §7 {client}  calculate finished "tls13 finished": finished (verify_data) [recomputed from the RFC inputs; no copy found]
  clientFinishedVerifyData: '692cab155cc6c100ead60733d0617f6fb09b71aa1e8c9accbbbc9e8ed336c1dd',
  // §7 {client}  construct a Finished handshake message [decrypted from the RFC record; GCM tag verified]
  clientFinished: '14000020692cab155cc6c100ead60733d0617f6fb09b71aa1e8c9accbbbc9e8ed336c1dd',
  // §7 {client}  send handshake record: complete record (encrypted Finished)
  clientFinishedRecord:
    '170303003532d030e273773a8696c799981af6ced07f87482e81565e394e87c867f33df3d65b7506f1a626af91d4821d' +
    '5f7a1f210ef8dd3c6d16',
  // §7 {client}  derive write traffic keys for application data: key expanded
  clientApplicationKey: '33d7f9709756c966488ad4438437e673',
  // §7 {client}  derive write traffic keys for application data: iv expanded
  clientApplicationIv: 'c5f30d34b0e91b7d6c8eea65',
  // §7 {client}  derive secret "tls13 res master": hash (transcript through client Finished) [recomputed from the RFC inputs; no copy found]
  clientFinishedHash: 'a021d3a05bd418a772813875ef79b0af68c5123215427ab7333f8c27722a9fd5',
  // §7 {client}  derive secret "tls13 res master": expanded
  resumptionMasterSecret: '0b5d4407cea0a42a3a81dd477647b7fe9180db297e5114f1ad8796b4dc475004',
  // §7 {client}/{server}  send alert record: payload (close_notify)
  closeNotify: '0100',
  // §7 {client}  send alert record: complete record
  clientAlertRecord: '17030300130f629155382dba23c4e2c5f7f84e6f2ed3083d',
  // §7 {server}  send alert record: complete record
  serverAlertRecord: '1703030013b7257b0fecaf69d4f09e3f891e2a25d1e28845',
};
