// A crypto/tls test server for puretls (standard library only; Go 1.19).
//
// It listens on -addr (port 0: the kernel picks), prints
//
//	LISTENING <host>:<port>
//
// on stdout once it accepts connections, then one JSON line per event:
//
//	{"event":"handshake","id":1,"version":"TLSv1.2","cipherSuite":"TLS_ECDHE_...","resumed":false,...}
//	{"event":"handshakeError","id":1,"error":"..."}
//	{"event":"closed","id":1,"bytesIn":5,"bytesOut":5,"end":"close_notify"}
//
// "end" is how the client's side ended: "close_notify" (crypto/tls reported
// io.EOF while the TCP stream had not ended: the alert came first), "eof"
// (TCP FIN without close_notify), or an error text.
//
// Modes: "echo" (default) writes back everything it reads until the client's
// close_notify, then sends close_notify and closes; "handshake" completes the
// handshake, sends close_notify and closes.
//
// Go 1.19 notes: a TLS 1.2 server resumes by session ticket only (no
// session-ID cache); it does not implement extended_master_secret (RFC 7627,
// added in Go 1.21); when both sides offer ALPN without overlap it fails the
// handshake with no_application_protocol.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var out = struct {
	sync.Mutex
	w *bufio.Writer
}{w: bufio.NewWriter(os.Stdout)}

func emit(v map[string]interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"internalError","error":%q}`, err.Error()))
	}
	out.Lock()
	out.w.Write(b)
	out.w.WriteByte('\n')
	out.w.Flush()
	out.Unlock()
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-tls-server: "+format+"\n", args...)
	os.Exit(2)
}

func splitList(s string) []string {
	var r []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			r = append(r, p)
		}
	}
	return r
}

var versions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
	"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13,
}

var versionNames = map[uint16]string{
	tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3",
}

var curves = map[string]tls.CurveID{
	"X25519": tls.X25519, "x25519": tls.X25519,
	"P-256": tls.CurveP256, "CurveP256": tls.CurveP256, "secp256r1": tls.CurveP256,
	"P-384": tls.CurveP384, "CurveP384": tls.CurveP384, "secp384r1": tls.CurveP384,
	"P-521": tls.CurveP521, "CurveP521": tls.CurveP521, "secp521r1": tls.CurveP521,
}

// suiteID accepts a Go/IANA suite name (as tls.CipherSuiteName prints it) or a 0x hex id.
func suiteID(name string) (uint16, bool) {
	if strings.HasPrefix(name, "0x") {
		v, err := strconv.ParseUint(name[2:], 16, 16)
		return uint16(v), err == nil
	}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if s.Name == name {
			return s.ID, true
		}
	}
	// Go's older names for the ChaCha20 suites.
	switch name {
	case "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305":
		return tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, true
	case "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305":
		return tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true
	}
	return 0, false
}

// countingConn counts raw bytes and remembers whether the TCP stream ended.
type countingConn struct {
	net.Conn
	rawEOF atomic.Bool
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if errors.Is(err, io.EOF) {
		c.rawEOF.Store(true)
	}
	return n, err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0: the kernel picks)")
	certFile := flag.String("cert", "", "PEM: leaf certificate followed by intermediates")
	keyFile := flag.String("key", "", "PEM private key")
	minV := flag.String("min", "1.2", "lowest version: 1.0 1.1 1.2 1.3")
	maxV := flag.String("max", "1.3", "highest version: 1.0 1.1 1.2 1.3")
	suites := flag.String("ciphers", "", "comma list of TLS 1.2 cipher suites (Go names or 0x hex); empty = Go's defaults")
	curveList := flag.String("curves", "", "comma list: X25519,P-256,P-384,P-521 (also CurveP256 ...); empty = Go's defaults")
	alpn := flag.String("alpn", "", "comma list of ALPN protocols")
	clientCA := flag.String("client-ca", "", "PEM CA file: require and verify a client certificate")
	tickets := flag.Bool("tickets", true, "issue and accept session tickets")
	mode := flag.String("mode", "echo", "echo | handshake")
	keylog := flag.String("keylog", "", "append NSS key log lines to this file")
	flag.Parse()

	if *certFile == "" || *keyFile == "" {
		fatalf("-cert and -key are required")
	}
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fatalf("loading the key pair: %v", err)
	}
	cfg := &tls.Config{
		Certificates:           []tls.Certificate{pair},
		SessionTicketsDisabled: !*tickets,
	}
	var ok bool
	if cfg.MinVersion, ok = versions[*minV]; !ok {
		fatalf("unknown -min %q", *minV)
	}
	if cfg.MaxVersion, ok = versions[*maxV]; !ok {
		fatalf("unknown -max %q", *maxV)
	}
	for _, name := range splitList(*suites) {
		id, ok := suiteID(name)
		if !ok {
			fatalf("unknown cipher suite %q", name)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, id)
	}
	for _, name := range splitList(*curveList) {
		id, ok := curves[name]
		if !ok {
			fatalf("unknown curve %q", name)
		}
		cfg.CurvePreferences = append(cfg.CurvePreferences, id)
	}
	cfg.NextProtos = splitList(*alpn)
	if *clientCA != "" {
		pem, err := os.ReadFile(*clientCA)
		if err != nil {
			fatalf("reading -client-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fatalf("no certificate in %s", *clientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			fatalf("opening -keylog: %v", err)
		}
		cfg.KeyLogWriter = f
	}
	if *mode != "echo" && *mode != "handshake" {
		fatalf("unknown -mode %q", *mode)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fatalf("listen: %v", err)
	}
	out.Lock()
	fmt.Fprintf(out.w, "LISTENING %s\n", ln.Addr().String())
	out.w.Flush()
	out.Unlock()

	var next int64
	for {
		raw, err := ln.Accept()
		if err != nil {
			fatalf("accept: %v", err)
		}
		id := atomic.AddInt64(&next, 1)
		go serve(id, raw, cfg, *mode)
	}
}

func serve(id int64, raw net.Conn, cfg *tls.Config, mode string) {
	cc := &countingConn{Conn: raw}
	conn := tls.Server(cc, cfg)
	defer conn.Close()
	remotePort := 0
	if a, ok := raw.RemoteAddr().(*net.TCPAddr); ok {
		remotePort = a.Port
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := conn.Handshake(); err != nil {
		emit(map[string]interface{}{"event": "handshakeError", "id": id, "remotePort": remotePort, "error": err.Error()})
		return
	}
	conn.SetDeadline(time.Time{})
	st := conn.ConnectionState()
	var peerCerts []string
	for _, c := range st.PeerCertificates {
		peerCerts = append(peerCerts, c.Subject.String())
	}
	emit(map[string]interface{}{
		"event":            "handshake",
		"id":               id,
		"remotePort":       remotePort,
		"version":          versionNames[st.Version],
		"cipherSuite":      tls.CipherSuiteName(st.CipherSuite),
		"resumed":          st.DidResume,
		"alpn":             st.NegotiatedProtocol,
		"serverName":       st.ServerName,
		"peerCertificates": peerCerts,
	})

	var bytesIn, bytesOut int
	end := "server closed"
	if mode == "echo" {
		buf := make([]byte, 32*1024)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				bytesIn += n
				w, werr := conn.Write(buf[:n])
				bytesOut += w
				if werr != nil {
					end = "write error: " + werr.Error()
					break
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					if cc.rawEOF.Load() {
						end = "eof"
					} else {
						end = "close_notify"
					}
				} else {
					end = err.Error()
				}
				break
			}
		}
	}
	// Close sends close_notify first (the handshake is complete).
	cerr := conn.Close()
	ev := map[string]interface{}{"event": "closed", "id": id, "remotePort": remotePort, "bytesIn": bytesIn, "bytesOut": bytesOut, "end": end}
	if cerr != nil {
		ev["closeError"] = cerr.Error()
	}
	emit(ev)
}
