package service

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// invalidText returns the JSON pointer of the first string of a JSON document that is not valid
// UTF-8 (for a key, its object's, the key having no pointer that could be shown), and false when
// every string is valid. encoding/json would quietly turn such
// bytes into U+FFFD when decoding, while the stored document kept them, breaking strict JSON
// clients that read it back.
func invalidText(doc []byte) (string, bool) {
	if utf8.Valid(doc) {
		return "", false
	}
	bad := int64(firstInvalid(doc))
	type frame struct {
		object, wantKey bool
		key             string
		index           int
	}
	var path []*frame
	pointer := func(path []*frame) string {
		var b strings.Builder
		for _, f := range path {
			b.WriteByte('/')
			if f.object {
				b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		return b.String()
	}
	// valueDone marks the end of a value: its object's next token is a key.
	valueDone := func() {
		if n := len(path); n > 0 && path[n-1].object {
			path[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			return pointer(path), true
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			path = path[:len(path)-1]
			valueDone()
			continue
		}
		// The token holding the bad byte is the first to end past it.
		past := dec.InputOffset() > bad
		isKey := false
		if n := len(path); n > 0 {
			switch top := path[n-1]; {
			case top.object && top.wantKey && past:
				return pointer(path[:n-1]), true
			case top.object && top.wantKey:
				top.key, top.wantKey, isKey = tok.(string), false, true
			case !top.object:
				top.index++
			}
		}
		if past {
			return pointer(path), true
		}
		switch {
		case tok == json.Delim('{'):
			path = append(path, &frame{object: true, wantKey: true})
		case tok == json.Delim('['):
			path = append(path, &frame{index: -1})
		case !isKey:
			valueDone()
		}
	}
}

// firstInvalid is the offset of the first byte of doc that is not valid UTF-8.
func firstInvalid(doc []byte) int {
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(doc)
}
