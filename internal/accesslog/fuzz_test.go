package accesslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func FuzzALB(f *testing.F) {
	for _, s := range []string{albHTTP, albHTTPS, albH2, albWS, albWSS, albLambda, albLambda502, alb503, alb460, albQuotedUA, albExtra, alb2016, albBadRequest} {
		f.Add([]byte(s))
	}
	f.Add([]byte(albHTTP + "\r\n" + albH2[:200] + "\n\n" + alb503))
	f.Fuzz(func(t *testing.T, data []byte) { checkReader(t, data, FormatALB) })
}

func FuzzNginx(f *testing.F) {
	for _, s := range nginxLines(8) {
		f.Add([]byte(s))
	}
	f.Add([]byte(nginxCombined))
	f.Add([]byte(nginxKiban + "\r\n" + nginxCombined[:50] + "\n"))
	f.Add([]byte(`192.0.2.1 - - [14/May/2024:08:00:03 +0000] "GET /api/search?q=x HTTP/1.1" 502 157 "https://shop.example.com/" "Mozilla/5.0" 1.337 0.002, 0.010 : 1.300 "API.Example.com:8443"`))
	f.Add([]byte(`192.0.2.77 - - [14/May/2024:08:00:06 +0000] "-" 400 0 "-" "-" 0.000 "_"`))
	f.Fuzz(func(t *testing.T, data []byte) { checkReader(t, data, FormatNginx) })
}

func FuzzJSONL(f *testing.F) {
	for _, s := range jsonlLines(4) {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		jsonlLine,
		`{"time":1715673601.5,"status":"503","uri":"/x","duration_ms":12.5}`,
		`{"time":"14/May/2024:10:00:01 +0200","status":200,"request":"GET /a?b HTTP/1.1"}`,
		`{"time":"2024-05-14T08:00:01Z","path":"/caf\u00e9/\"q\"\/\ud83d\ude00","status":200,"x":[{"y":null},true,-1e5]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, FormatJSONL)
		// A line that gives a record is valid JSON.
		line := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if bytes.IndexByte(line, '\n') < 0 && len(line) <= MaxLineBytes {
			lr := NewReader(bytes.NewReader(line), FormatJSONL)
			if _, err := lr.Next(); err == nil && !json.Valid(line) {
				t.Errorf("record from invalid JSON %q", line)
			}
		}
	})
}

// checkReader reads data as format f and checks what every fuzz target
// checks: no panic, records within bounds, and stats that add up.
func checkReader(t *testing.T, data []byte, f Format) {
	lr := NewReader(bytes.NewReader(data), f)
	records := 0
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		records++
		switch {
		case rec.Status < 100 || rec.Status > 599:
			t.Errorf("record with status %d", rec.Status)
		case rec.Time.IsZero():
			t.Error("record with a zero time")
		case rec.Time.Location() != time.UTC:
			t.Errorf("record time %v not in UTC", rec.Time)
		case rec.Duration < -1:
			t.Errorf("record with duration %v", rec.Duration)
		case strings.ContainsFunc(rec.Method, func(r rune) bool { return 'a' <= r && r <= 'z' }):
			t.Errorf("record with method %q", rec.Method)
		case strings.ContainsFunc(rec.Host, func(r rune) bool { return 'A' <= r && r <= 'Z' }):
			t.Errorf("record with host %q", rec.Host)
		case strings.Contains(rec.Path, "?"):
			t.Errorf("record with a query in its path %q", rec.Path)
		}
	}
	st := lr.Stats()
	if st.Records != records || st.Records+st.Malformed > st.Lines || len(st.Errors) > MaxErrors ||
		len(st.Errors) != min(st.Malformed, MaxErrors) || st.Bytes != int64(len(data)) {
		t.Errorf("inconsistent stats: %d records read, %+v, %d bytes in", records, st, len(data))
	}
	for _, e := range st.Errors {
		if e.Line < 1 || e.Line > st.Lines || e.Err == nil || len(e.Text) > MaxErrorText {
			t.Errorf("bad LineError %+v", e)
		}
	}
}
