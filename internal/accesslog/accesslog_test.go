package accesslog

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{in: "alb", want: FormatALB},
		{in: " NGINX ", want: FormatNginx},
		{in: "JSONL", want: FormatJSONL},
		{in: "json", wantErr: `accesslog: unknown format "json"; expected alb, nginx or jsonl`},
		{in: "", wantErr: `accesslog: unknown format ""; expected alb, nginx or jsonl`},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %q; want %q, %q", tt.in, got, gotErr, tt.want, tt.wantErr)
		}
	}
}

// TestMixed reads a file whose malformed lines in the middle do not stop
// the reading, with blank lines, CRLF endings, a byte order mark and a
// last line without an ending.
func TestMixed(t *testing.T) {
	lines := []string{
		"\xef\xbb\xbf" + albHTTP, // 1
		"garbage",                // 2
		albHTTPS,                 // 3
		"",                       // 4
		"   ",                    // 5
		albHTTP[:100],            // 6
		alb503,                   // 7
		"\t",                     // 8
		strings.Replace(albWS, " 101 101 ", " 1O1 101 ", 1), // 9
		albH2, // 10
	}
	for _, eol := range []string{"\n", "\r\n"} {
		in := strings.Join(lines, eol)
		got := readString(t, in, FormatALB)
		want := result{
			Records: []Record{
				mustRead(t, albHTTP, FormatALB),
				mustRead(t, albHTTPS, FormatALB),
				mustRead(t, alb503, FormatALB),
				mustRead(t, albH2, FormatALB),
			},
			Errors: []lineErr{
				{2, "truncated line: 1 of at least 18 fields", "garbage"},
				{6, "truncated line: 5 of at least 18 fields", albHTTP[:100]},
				{9, `elb_status_code: invalid status "1O1"`, truncate([]byte(lines[8]), MaxErrorText)},
			},
			Lines: 10, Bad: 3, Bytes: int64(len(in)),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("line ending %q: read wrong (-want +got):\n%s", eol, diff)
		}
	}
}

// TestLongLines reads lines longer than the buffer and longer than
// MaxLineBytes, each followed by good lines.
func TestLongLines(t *testing.T) {
	longUA := func(n int) string {
		return strings.Replace(albHTTP, `"curl/7.46.0"`, `"`+strings.Repeat("x", n)+`"`, 1)
	}
	lines := []string{
		albHTTP,
		longUA(100 << 10), // Longer than 64 KiB.
		albHTTPS,
		longUA(bufferSize + 1000), // Longer than the buffer.
		albH2,
		longUA(MaxLineBytes), // Too long.
		albWS,
		longUA(3 * MaxLineBytes), // Far too long.
		albWSS,
	}
	in := strings.Join(lines, "\r\n") + "\r\n"
	got := readString(t, in, FormatALB)
	want := result{
		Records: []Record{
			mustRead(t, albHTTP, FormatALB),
			mustRead(t, albHTTP, FormatALB),
			mustRead(t, albHTTPS, FormatALB),
			mustRead(t, albHTTP, FormatALB),
			mustRead(t, albH2, FormatALB),
			mustRead(t, albWS, FormatALB),
			mustRead(t, albWSS, FormatALB),
		},
		Errors: []lineErr{
			{6, "line longer than 1048576 bytes", lines[5][:MaxErrorText]},
			{8, "line longer than 1048576 bytes", lines[7][:MaxErrorText]},
		},
		Lines: 9, Bad: 2, Bytes: int64(len(in)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read wrong (-want +got):\n%s", diff)
	}

	// A line of exactly MaxLineBytes is read.
	exact := longUA(MaxLineBytes - len(longUA(0)))
	if len(exact) != MaxLineBytes {
		t.Fatalf("test line is %d bytes", len(exact))
	}
	got = readString(t, exact+"\r\n"+exact+"\n"+exact, FormatALB)
	if len(got.Records) != 3 || got.Bad != 0 {
		t.Errorf("lines of MaxLineBytes: got %d records, %d malformed; want 3, 0", len(got.Records), got.Bad)
	}
}

// TestManyErrors keeps the first MaxErrors malformed lines and counts
// them all.
func TestManyErrors(t *testing.T) {
	var b strings.Builder
	var want []lineErr
	for i := range 25 {
		b.WriteString(`{"status":200}` + "\n")
		if i < MaxErrors {
			want = append(want, lineErr{2*i + 1, "no time", `{"status":200}`})
		}
		b.WriteString(jsonlLine + "\n")
	}
	lr := NewReader(strings.NewReader(b.String()), FormatJSONL)
	for {
		if _, err := lr.Next(); err != nil {
			break
		}
	}
	st := lr.Stats()
	var got []lineErr
	for _, e := range st.Errors {
		got = append(got, lineErr{e.Line, e.Err.Error(), e.Text})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Errors (-want +got):\n%s", diff)
	}
	if st.Lines != 50 || st.Records != 25 || st.Malformed != 25 {
		t.Errorf("Stats = %d lines, %d records, %d malformed; want 50, 25, 25", st.Lines, st.Records, st.Malformed)
	}
	// Stats returns a copy.
	st.Errors[0].Line = -1
	if lr.Stats().Errors[0].Line != 1 {
		t.Error("changing Stats().Errors changed the Reader's")
	}
}

func TestLineErrorText(t *testing.T) {
	long := "é" + strings.Repeat("€", 100) // 2 + 300 bytes.
	got := readString(t, long, FormatNginx)
	if len(got.Errors) != 1 {
		t.Fatalf("got %d errors, want 1", len(got.Errors))
	}
	// 200 bytes would split a euro sign: the text stops before it.
	if want := "é" + strings.Repeat("€", 66); got.Errors[0].Text != want {
		t.Errorf("Text = %q (%d bytes), want %q", got.Errors[0].Text, len(got.Errors[0].Text), want)
	}
}

func TestLineError(t *testing.T) {
	inner := errors.New("no status")
	e := LineError{Line: 7, Err: inner, Text: `{"time":0}`}
	if got, want := e.Error(), "line 7: no status"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, inner) {
		t.Error("errors.Is(LineError, its Err) = false")
	}
	b, err := json.Marshal([]LineError{e})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[{"line":7,"error":"no status","text":"{\"time\":0}"}]`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var back []LineError
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].Line != 7 || back[0].Err.Error() != "no status" || back[0].Text != e.Text {
		t.Errorf("JSON round trip = %+v, want %+v", back, e)
	}
}

func TestUnknownFormat(t *testing.T) {
	lr := NewReader(strings.NewReader(albHTTP), "apache")
	for range 2 {
		_, err := lr.Next()
		if got, want := errString(err), `accesslog: unknown format "apache"; expected alb, nginx or jsonl`; got != want {
			t.Errorf("Next() error = %q, want %q", got, want)
		}
	}
}

// TestReadError returns the records before a read error, then the error,
// from then on.
func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(nginxKiban+"\n"+nginxCombined+"\n"+nginxKiban[:20]), iotest.ErrReader(boom))
	lr := NewReader(r, FormatNginx)
	for range 2 {
		if _, err := lr.Next(); err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
	for range 2 {
		_, err := lr.Next()
		if !errors.Is(err, boom) || err.Error() != "accesslog: line 3: boom" {
			t.Errorf("Next() error = %v, want accesslog: line 3: boom", err)
		}
	}
}

func TestEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "\r\n\r\n", "\xef\xbb\xbf"} {
		got := readString(t, in, FormatJSONL)
		if diff := cmp.Diff(result{Lines: strings.Count(in, "\n") + boolInt(in == "\xef\xbb\xbf"), Bytes: int64(len(in))}, got); diff != "" {
			t.Errorf("input %q (-want +got):\n%s", in, diff)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
