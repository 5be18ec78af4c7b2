package simulate

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/xuchang-gov/tongban/connectors/hmacsig"
)

// CallbackRecord is one callback a service sent, for tests and the /_sim/callbacks page.
type CallbackRecord struct {
	Service   string    `json:"service"`
	URL       string    `json:"url"`
	MessageID string    `json:"messageId"`
	Type      string    `json:"type"`
	Duplicate bool      `json:"duplicate,omitempty"`
	Attempts  int       `json:"attempts"`
	Status    int       `json:"status"` // HTTP status of the last try; 0 when none answered
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// Callbacks returns the callbacks sent so far, oldest first.
func (s *Server) Callbacks() []CallbackRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackRecord(nil), s.callbacks...)
}

func (s *Server) listCallbacks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Callbacks())
}

// callbackURL is where a push's callbacks go: the push's own callbackUrl, else the
// configured base. Empty means nowhere.
func (s *Server) callbackURL(service string, body map[string]any) string {
	if u, ok := body["callbackUrl"].(string); ok && u != "" {
		return u
	}
	if s.cfg.CallbackBase != "" {
		return s.cfg.CallbackBase + "/" + service
	}
	return ""
}

// callbackTries bounds how often one callback is tried before the simulator gives up on it.
const callbackTries = 8

// schedule sends msgs to url in order in the background, each CallbackDelay after the one
// before, each tried until the receiver answers 2xx (at most callbackTries times, the wait
// doubling). A message may be sent a second time (same messageId, freshly signed) by the
// service's DuplicateRate, as real systems do when they miss an answer.
func (s *Server) schedule(service, url string, msgs []map[string]any) {
	if url == "" {
		s.logger.Info("simulate: no callback address", "service", service)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, m := range msgs {
			if !sleep(s.ctx, s.cfg.CallbackDelay) {
				return
			}
			if !s.deliverCallback(service, url, m, false) {
				return
			}
			s.mu.Lock()
			f, ok := s.faults[service]
			if !ok {
				f = s.cfg.Faults
			}
			dup := f.DuplicateRate > 0 && s.rng.Float64() < f.DuplicateRate
			s.mu.Unlock()
			if dup && !s.deliverCallback(service, url, m, true) {
				return
			}
		}
	}()
}

// deliverCallback sends one message until acknowledged; it reports false when the simulator
// is closing.
func (s *Server) deliverCallback(service, url string, m map[string]any, duplicate bool) bool {
	body, _ := json.Marshal(m)
	rec := CallbackRecord{Service: service, URL: url, Duplicate: duplicate}
	rec.MessageID, _ = m["messageId"].(string)
	rec.Type, _ = m["type"].(string)
	wait := s.cfg.CallbackDelay
	for rec.Attempts < callbackTries {
		if rec.Attempts > 0 && !sleep(s.ctx, wait) {
			return false
		}
		wait *= 2
		rec.Attempts++
		req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			rec.Error = err.Error()
			break
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Idempotency-Key", rec.MessageID)
		if secret := s.cfg.Auth[service].HMACSecret; secret != "" {
			hmacsig.SignRequest(req, []byte(secret), service, hmacsig.DefaultHeaders, body, s.cfg.Now())
		}
		s.count(service, func(st *Stats) { st.CallbacksSent++ })
		res, err := s.cfg.HTTPClient.Do(req)
		if s.ctx.Err() != nil {
			return false
		}
		if err != nil {
			rec.Status, rec.Error = 0, err.Error()
			continue
		}
		res.Body.Close()
		rec.Status, rec.Error = res.StatusCode, ""
		if res.StatusCode/100 == 2 {
			s.count(service, func(st *Stats) { st.CallbacksAcked++ })
			break
		}
		if res.StatusCode/100 == 4 && res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusUnauthorized {
			// The receiver refuses the message itself; trying again changes nothing.
			break
		}
	}
	rec.At = s.cfg.Now()
	s.mu.Lock()
	s.callbacks = append(s.callbacks, rec)
	s.mu.Unlock()
	return true
}
