package load

import "time"

// Histogram exposes the latency histogram to the black-box tests.
type Histogram struct{ h histogram }

func (h *Histogram) Record(d time.Duration)           { h.h.record(d) }
func (h *Histogram) Summary() Latency                 { return h.h.summary() }
func (h *Histogram) CountAbove(d time.Duration) int64 { return h.h.countAbove(d) }

// ErrorKind is errorKind.
var ErrorKind = errorKind

// UploadBodies makes a material's multipart upload and returns two bodies of it, with the
// content type.
func UploadBodies(types []string, a, b string) (contentType string, bodyA, bodyB []byte, err error) {
	up, err := makeUpload("m", types)
	if err != nil {
		return "", nil, nil, err
	}
	return up.contentType, up.body(a), up.body(b), nil
}
