package gopdf

import (
	"bytes"
	"compress/zlib"
	"sync"
)

// tongban patch: a zlib writer allocates about a megabyte of compressor state, which a document
// with several font subsets and a content stream used to allocate and clear for each stream.
// The writers are kept, one pool per level, and reset for each stream.
var zlibWriters [zlib.BestCompression - zlib.HuffmanOnly + 1]sync.Pool

// deflate appends src, zlib-compressed at level (HuffmanOnly to BestCompression), to dst.
func deflate(dst *bytes.Buffer, src []byte, level int) error {
	pool := &zlibWriters[level-zlib.HuffmanOnly]
	zw, _ := pool.Get().(*zlib.Writer)
	if zw == nil {
		var err error
		if zw, err = zlib.NewWriterLevel(dst, level); err != nil {
			return err
		}
	} else {
		zw.Reset(dst)
	}
	defer pool.Put(zw)
	if _, err := zw.Write(src); err != nil {
		return err
	}
	return zw.Close()
}
