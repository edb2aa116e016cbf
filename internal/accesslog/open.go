package accesslog

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// Open opens the log at path, or stdin when path is "-", and decompresses
// it when it is gzip-compressed (as ALB writes its logs), which it tells by
// the content's first bytes, not by the name. Concatenated gzip streams
// read as one. Closing the result closes the file, but never stdin, which
// belongs to the caller.
func Open(path string, stdin io.Reader) (io.ReadCloser, error) {
	var (
		src    io.Reader
		closer io.Closer = nopCloser{}
	)
	if path == "-" {
		if stdin == nil {
			return nil, errors.New("accesslog: no standard input to read")
		}
		src = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("accesslog: %w", err)
		}
		src, closer = f, f
	}
	name := path
	if path == "-" {
		name = "standard input"
	}
	br := bufio.NewReaderSize(src, 64<<10)
	magic, err := br.Peek(len(gzipMagic))
	if err != nil && err != io.EOF {
		closer.Close()
		return nil, fmt.Errorf("accesslog: read %s: %w", name, err)
	}
	if string(magic) != string(gzipMagic) {
		return &readCloser{Reader: br, closer: closer}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("accesslog: gunzip %s: %w", name, err)
	}
	return &readCloser{Reader: &gzipReader{zr: zr, name: name}, closer: closer, gz: zr}, nil
}

// readCloser reads from Reader and closes the gzip reader, if any, and the
// file.
type readCloser struct {
	io.Reader
	closer io.Closer
	gz     *gzip.Reader
}

// Close implements io.Closer.
func (rc *readCloser) Close() error {
	var gzErr error
	if rc.gz != nil {
		gzErr = rc.gz.Close()
	}
	return errors.Join(gzErr, rc.closer.Close())
}

// gzipReader names the stream in its decompression errors.
type gzipReader struct {
	zr   *gzip.Reader
	name string
}

// Read implements io.Reader.
func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gunzip %s: %w", g.name, err)
	}
	return n, err
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
