package focusrules

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

const readBufferSize = 256 << 10

// openInput returns r decompressed when it starts with the gzip magic
// bytes, with a UTF-8 byte-order mark removed, and whether each was found.
func openInput(r io.Reader) (out *bufio.Reader, gzipped, bom bool, err error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, false, false, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, readBufferSize)
		gzipped = true
	}
	if head, _ := br.Peek(3); bytes.Equal(head, []byte{0xEF, 0xBB, 0xBF}) {
		if _, err := br.Discard(3); err != nil {
			return nil, false, false, err
		}
		bom = true
	}
	return br, gzipped, bom, nil
}
