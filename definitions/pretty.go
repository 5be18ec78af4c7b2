package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// lineWidth is how wide a one-line array or object may be in a canonical file.
const lineWidth = 100

// pretty re-indents JSON with two spaces, keeping key order, and puts an array or object on one
// line when it holds only scalars and fits: edges, required lists and short enums stay readable
// in a diff instead of taking a line per item. It is a pure function of the token stream, so
// applying it twice changes nothing.
func pretty(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("JSON 之后还有多余内容")
	}
	var buf bytes.Buffer
	v.write(&buf, 0)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// node is a decoded JSON value that remembers key order.
type node struct {
	scalar   []byte // encoded scalar; nil for arrays and objects
	isObject bool
	keys     []string
	children []*node
}

func readValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{isObject: t == '{'}
		for dec.More() {
			if n.isObject {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			child, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, child)
		}
		_, err := dec.Token()
		return n, err
	default:
		b, err := marshalNoEscape(t)
		return &node{scalar: b}, err
	}
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (n *node) flat() bool {
	for _, c := range n.children {
		if c.scalar == nil {
			return false
		}
	}
	return true
}

func (n *node) brackets() (open, close byte) {
	if n.isObject {
		return '{', '}'
	}
	return '[', ']'
}

// writeKey writes the key of child i of an object, and nothing for an array.
func (n *node) writeKey(buf *bytes.Buffer, i int) {
	if n.isObject {
		k, _ := marshalNoEscape(n.keys[i])
		buf.Write(k)
		buf.WriteString(": ")
	}
}

func (n *node) writeOneLine(buf *bytes.Buffer) {
	open, close := n.brackets()
	buf.WriteByte(open)
	for i, c := range n.children {
		if i > 0 {
			buf.WriteString(", ")
		}
		n.writeKey(buf, i)
		buf.Write(c.scalar)
	}
	buf.WriteByte(close)
}

// write writes n at the given indent; the caller has already written the indent and key.
func (n *node) write(buf *bytes.Buffer, indent int) {
	if n.scalar != nil {
		buf.Write(n.scalar)
		return
	}
	if len(n.children) == 0 || n.flat() {
		var line bytes.Buffer
		n.writeOneLine(&line)
		if len(n.children) == 0 || indent*2+line.Len() <= lineWidth {
			buf.Write(line.Bytes())
			return
		}
	}
	open, close := n.brackets()
	buf.WriteByte(open)
	for i, c := range n.children {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		buf.Write(bytes.Repeat([]byte("  "), indent+1))
		n.writeKey(buf, i)
		c.write(buf, indent+1)
	}
	buf.WriteByte('\n')
	buf.Write(bytes.Repeat([]byte("  "), indent))
	buf.WriteByte(close)
}
