// A CryptoProvider wrapper that adds up the time spent inside the wrapped
// provider's calls (hashing, HMAC, AEAD, key shares, signatures), so a
// handshake's CPU can be set against what its own primitives cost. Only
// meaningful for a synchronous provider (noble, node): an asynchronous
// answer is timed until it settles, which includes waiting.
const now = () => performance.now();

export function timedProvider(inner) {
  let ms = 0;
  const time = (f) =>
    function (...args) {
      const t = now();
      let r;
      try {
        r = f.apply(this, args);
      } catch (e) {
        ms += now() - t;
        throw e;
      }
      if (r instanceof Promise) {
        return r.finally(() => {
          ms += now() - t;
        });
      }
      ms += now() - t;
      return r;
    };
  const wrapState = (s) => ({
    update: time(function (d) {
      s.update(d);
      return this;
    }),
    peek: time(() => s.peek()),
    clone: time(() => wrapState(s.clone())),
  });
  const wrapHash = (h) => ({
    name: h.name,
    outputLen: h.outputLen,
    digest: time((d) => h.digest(d)),
    create: time(() => wrapState(h.create())),
    hmac: time((k, d) => h.hmac(k, d)),
  });
  const wrapAead = (k) => ({
    tagLength: k.tagLength,
    seal: time((n, a, p) => k.seal(n, a, p)),
    open: time((n, a, c) => k.open(n, a, c)),
    ...(k.sealInto ? { sealInto: time((n, a, parts, out, at) => k.sealInto(n, a, parts, out, at)) } : {}),
  });
  const wrapShare = (s) => ({ group: s.group, publicKey: s.publicKey, agree: time((p) => s.agree(p)) });
  const hashes = new Map();
  const provider = {
    name: inner.name,
    hash(name) {
      if (!hashes.has(name)) hashes.set(name, wrapHash(inner.hash(name)));
      return hashes.get(name);
    },
    aead: time((name, key) => {
      const k = inner.aead(name, key);
      return k instanceof Promise ? k.then(wrapAead) : wrapAead(k);
    }),
    generateKeyShare: time((g, r) => {
      const s = inner.generateKeyShare(g, r);
      return s instanceof Promise ? s.then(wrapShare) : wrapShare(s);
    }),
    verify: time((alg, spki, msg, sig) => inner.verify(alg, spki, msg, sig)),
    sign: time((alg, key, msg) => inner.sign(alg, key, msg)),
  };
  return {
    provider,
    /** Milliseconds spent in the provider since the last call. */
    take() {
      const r = ms;
      ms = 0;
      return r;
    },
  };
}
