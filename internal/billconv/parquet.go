package billconv

import (
	"bufio"
	"fmt"
	"io"

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
	pr, closeFn, err := parquetrec.OpenStream(r, br, gzipped)
	if err != nil {
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
