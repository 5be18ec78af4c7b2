package simulate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

// Local is a set of simulators serving on a loopback port of this process, each service
// checking an HMAC secret of its own, for `tongban serve --demo` and tests.
type Local struct {
	// URL is where they listen: http://127.0.0.1:PORT.
	URL string
	// Secrets holds each service's secret under the environment variable its connector reads.
	Secrets map[string]string
	server  *Server
	http    *http.Server
}

// SecretEnv is the environment variable holding a service's secret, the one the example
// connector configs name.
func SecretEnv(service string) string {
	return "TONGBAN_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_")) + "_SECRET"
}

// StartLocal starts the simulators on a free loopback port, with secrets derived from
// cfg.SecretKey, or else fixed ones.
func StartLocal(cfg Config) (*Local, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &Local{URL: "http://" + ln.Addr().String(), Secrets: map[string]string{}}
	if cfg.Auth == nil {
		cfg.Auth = map[string]Auth{}
	}
	for _, svc := range Services {
		if svc == OAuth {
			continue
		}
		secret := "demo-" + svc + "-secret"
		if cfg.SecretKey != nil {
			mac := hmac.New(sha256.New, cfg.SecretKey)
			mac.Write([]byte("tongban simulator secret\x00" + svc))
			secret = hex.EncodeToString(mac.Sum(nil))
		}
		cfg.Auth[svc] = Auth{HMACSecret: secret}
		l.Secrets[SecretEnv(svc)] = secret
	}
	l.server = New(cfg)
	l.http = &http.Server{Handler: l.server.Handler()}
	go l.http.Serve(ln)
	return l, nil
}

// Getenv reads a simulator secret, or else the real environment through getenv.
func (l *Local) Getenv(getenv func(string) string) func(string) string {
	return func(name string) string {
		if v, ok := l.Secrets[name]; ok {
			return v
		}
		return getenv(name)
	}
}

// SentSMS returns the texts the SMS gateway simulator has received.
func (l *Local) SentSMS() []SMSMessage { return l.server.SentSMS() }

// SetFaults changes the failure settings of one service.
func (l *Local) SetFaults(service string, f Faults) { l.server.SetFaults(service, f) }

// Close stops the simulators.
func (l *Local) Close() error {
	l.server.Close()
	return l.http.Close()
}
