package billconv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"kiban.dev/kiban/internal/focus"
	"kiban.dev/kiban/internal/parquetrec"
)

// parquetReader is a Reader of a Parquet export, which closes the file
// it may have spooled the input to.
type parquetReader struct {
	Reader
	close func() error
}

// Close removes the temporary copy of the input, if one was made.
func (p parquetReader) Close() error { return p.close() }

// Format names the format read, with "-parquet" appended.
func (p parquetReader) Format() string { return p.Reader.Format() + "-parquet" }

// newParquet reads a Parquet export: FOCUS or a native format, detected
// from its columns like a CSV's header. Parquet is read from its end, so
// r is read in place when it is a file or a bytes.Reader (at its start),
// and otherwise (an upload, a gzipped file) copied to a temporary file
// first, which Close removes.
func newParquet(r io.Reader, br *bufio.Reader, gzipped bool) (Reader, error) {
	ra, size, closeFn, err := parquetInput(r, br, gzipped)
	if err != nil {
		return nil, err
	}
	pr, err := parquetrec.Open(ra, size)
	if err != nil {
		closeFn()
		return nil, fmt.Errorf("billconv: %w", err)
	}
	header := pr.Header()
	var rd Reader
	switch kind := detect(header); {
	case isFOCUS(header):
		fr, ferr := focus.NewRecordReader(header, pr)
		if ferr != nil {
			err = ferr
			break
		}
		rd = focusReader{fr}
	case kind == "":
		err = unknownFormat(header)
	default:
		var tol tolerances
		rd = newNative(kind, newRecordSource(header, pr, &tol), header, &tol)
	}
	if err != nil {
		closeFn()
		return nil, err
	}
	return parquetReader{Reader: rd, close: closeFn}, nil
}

// parquetInput returns r as an io.ReaderAt of size bytes, spooling it to
// a temporary file when it is not one.
func parquetInput(r io.Reader, br *bufio.Reader, gzipped bool) (io.ReaderAt, int64, func() error, error) {
	nothing := func() error { return nil }
	if !gzipped {
		switch f := r.(type) {
		case *os.File:
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && off == int64(br.Buffered()) {
				if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
					return f, st.Size(), nothing, nil
				}
			}
		case *bytes.Reader:
			if f.Size()-int64(f.Len()) == int64(br.Buffered()) {
				return f, f.Size(), nothing, nil
			}
		}
	}
	tmp, err := os.CreateTemp("", "kiban-parquet-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("billconv: spooling a Parquet export: %w", err)
	}
	remove := func() error {
		return errors.Join(tmp.Close(), os.Remove(tmp.Name()))
	}
	size, err := io.Copy(tmp, br)
	if err != nil {
		remove()
		return nil, 0, nil, fmt.Errorf("billconv: spooling a Parquet export: %w", err)
	}
	return tmp, size, remove, nil
}
