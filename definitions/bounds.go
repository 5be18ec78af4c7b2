package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The bounds of a definition file, checked before anything else reads it: a file far bigger or
// deeper than any real definition would otherwise keep the schema compiler and the checks busy
// for minutes. The examples' deepest file nests 8 levels, their biggest is under 40 KB.
const (
	// MaxFileBytes is the largest definition file read.
	MaxFileBytes = 4 << 20
	// MaxDepth is how deeply objects and arrays may nest in a definition file.
	MaxDepth = 64
)

// CheckBounds returns the pointer and message of a definition file over MaxFileBytes or
// nesting deeper than MaxDepth, or "" for one within them. It reads the file as a stream of
// tokens, never recursing, so that the deepest file costs no more than its length. Loading
// checks every file with it; the studio's saves check each file as it comes.
func CheckBounds(raw []byte) (pointer, message string) {
	if len(raw) > MaxFileBytes {
		return "", fmt.Sprintf("文件过大：%d KB，定义文件最大 %d KB", len(raw)>>10, MaxFileBytes>>10)
	}
	// level is an open object or array: in an object the key of the value being read (wantKey
	// before it), in an array the value's index.
	type level struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []*level
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "" // the end, or malformed JSON, which syntaxError reports
		}
		if key, ok := tok.(string); ok && len(stack) > 0 && stack[len(stack)-1].wantKey {
			stack[len(stack)-1].key, stack[len(stack)-1].wantKey = key, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == MaxDepth {
				var p strings.Builder
				for _, l := range stack {
					if l.object {
						p.WriteString("/" + escapePointer(l.key))
					} else {
						p.WriteString("/" + strconv.Itoa(l.index))
					}
				}
				return p.String(), fmt.Sprintf("嵌套过深：对象和数组最多嵌套 %d 层", MaxDepth)
			}
			object := tok == json.Delim('{')
			stack = append(stack, &level{object: object, wantKey: object})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value has ended: its parent moves on to the next key or index.
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
}
