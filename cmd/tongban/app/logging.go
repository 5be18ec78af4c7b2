package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"

	"github.com/xuchang-gov/tongban/runtime/service"
)

// NewLogger is the server's log: one JSON object a line (log/slog), each line of a request
// carrying its request id and, when it is traced, its trace id, and every ID number and mobile
// number in any message or value masked (service.MaskIdentifier), whichever package logged it.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(requestHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: maskAttr})})
}

// digits are the runs of digits (with a check letter) that may be an ID number or a mobile.
var digits = regexp.MustCompile(`\d{10,17}[\dXx]`)

// maskPersonal masks the ID numbers (18 characters) and mobile numbers (11 digits from 1) in s.
// Most of what is logged (methods, routes, messages) holds no run of eleven digits, and every
// request logs a line, so those skip the regular expression.
func maskPersonal(s string) string {
	if !hasDigitRun(s, 11) {
		return s
	}
	return digits.ReplaceAllStringFunc(s, func(run string) string {
		if len(run) == 18 || (len(run) == 11 && run[0] == '1') {
			return service.MaskIdentifier(run)
		}
		return run
	})
}

// hasDigitRun reports whether s holds n digits in a row.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// maskAttr masks personal numbers in every string and error a line carries, its message too.
func maskAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(maskPersonal(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(maskPersonal(err.Error()))
		}
	}
	return a
}

type requestIDKey struct{}

// withRequestID gives a request its id: the one the proxy in front sent (X-Request-ID), when it
// is a plain token, else a new one: this process's random prefix and a counter, unique across
// servers without asking the kernel for randomness on every request.
func withRequestID(ctx context.Context, sent string) (context.Context, string) {
	id := sent
	if !plainToken.MatchString(id) {
		id = requestIDPrefix + strconv.FormatUint(requestCount.Add(1), 36)
	}
	return context.WithValue(ctx, requestIDKey{}, id), id
}

var (
	requestIDPrefix = func() string {
		b := make([]byte, 6)
		rand.Read(b)
		return hex.EncodeToString(b) + "-"
	}()
	requestCount atomic.Uint64
)

var plainToken = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestHandler adds the request id and the trace id of the context a line is logged in.
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
