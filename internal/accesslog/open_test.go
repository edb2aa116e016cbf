package accesslog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gz compresses s.
func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// closeCounter is a reader that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestOpen(t *testing.T) {
	log := albHTTP + "\n" + albHTTPS + "\n"
	want := result{
		Records: []Record{mustRead(t, albHTTP, FormatALB), mustRead(t, albHTTPS, FormatALB)},
		Lines:   2, Bytes: int64(len(log)),
	}
	twice := want
	twice.Records = append(slices.Clone(want.Records), want.Records...)
	twice.Lines, twice.Bytes = 4, 2*want.Bytes

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		path  string
		stdin []byte
		want  result
	}{
		{name: "plain file", path: write("plain.log", []byte(log)), want: want},
		// Told by the content: a gzip file named .log, a plain one named .gz.
		{name: "gzip file", path: write("alb.log", gz(t, log)), want: want},
		{name: "plain file named .gz", path: write("plain.log.gz", []byte(log)), want: want},
		{name: "concatenated gzip", path: write("two.gz", append(gz(t, log), gz(t, log)...)), want: twice},
		{name: "empty file", path: write("empty.log", nil), want: result{}},
		{name: "one byte", path: write("one.log", []byte{0x1f}), want: result{Lines: 1, Bad: 1, Bytes: 1, Errors: []lineErr{{1, "truncated line: 1 of at least 18 fields", "\x1f"}}}},
		{name: "stdin", path: "-", stdin: []byte(log), want: want},
		{name: "gzip stdin", path: "-", stdin: gz(t, log), want: want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin := &closeCounter{Reader: bytes.NewReader(tt.stdin)}
			rc, err := Open(tt.path, stdin)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got := readAll(t, rc, FormatALB)
			if err := rc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("read wrong (-want +got):\n%s", diff)
			}
			if stdin.closed != 0 {
				t.Error("Close closed stdin")
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.log")
	if _, err := Open(missing, nil); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open(missing) error = %v, want one naming the file and wrapping fs.ErrNotExist", err)
	}
	if _, err := Open("-", nil); err == nil {
		t.Error("Open(-, nil) succeeded, want an error")
	}
	// A gzip header that is cut short fails at Open.
	if _, err := Open("-", bytes.NewReader([]byte{0x1f, 0x8b, 8})); err == nil || !strings.Contains(err.Error(), "gunzip standard input") {
		t.Errorf("Open(short gzip header) error = %v, want a gunzip error", err)
	}

	// A gzip stream cut short: the records before the cut, then an error.
	z := gz(t, strings.Join(nginxLines(2000), "\n"))
	p := filepath.Join(dir, "cut.gz")
	if err := os.WriteFile(p, z[:len(z)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := Open(p, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	lr := NewReader(rc, FormatNginx)
	n := 0
	for {
		_, err = lr.Next()
		if err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "gunzip "+p) {
		t.Errorf("Next() error = %v, want a gunzip error wrapping io.ErrUnexpectedEOF", err)
	}
	if n == 0 || n >= 2000 {
		t.Errorf("read %d records before the cut, want some but not all", n)
	}
}
