package cost

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/store"
)

// TestImportStopsReading fails an import on a bad row of a stream that
// then stalls, as a pipe from a slow download may: the error comes at
// once, and the reading goroutine ends when the stream is closed.
func TestImportStopsReading(t *testing.T) {
	// SQLite only: a PostgreSQL pool starts goroutines of its own.
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	{
		raw, err := os.ReadFile(sample)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(raw), "\n")
		before := runtime.NumGoroutine()
		pr, pw := io.Pipe()
		go func() {
			// The header, a good row and a row with one field too many;
			// then nothing until the pipe is closed.
			_, _ = io.WriteString(pw, lines[0]+lines[1]+strings.TrimSuffix(lines[2], "\n")+",extra\n")
		}()
		done := make(chan error, 1)
		go func() {
			_, err := Import(t.Context(), st, pr, Options{Source: "pipe.csv", Actor: "test"})
			done <- err
		}()
		var ie *ImportError
		select {
		case err := <-done:
			if !errors.As(err, &ie) || ie.Err.Line != 3 {
				t.Fatalf("import = %v; want the bad row at line 3", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the import waited for more of a stalled stream after a bad row")
		}
		pw.Close()
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines after the stream closed; %d before", runtime.NumGoroutine(), before)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
