package accesslog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Format names an access log format.
type Format string

// The formats a Reader parses. The package documentation describes each
// exactly.
const (
	// FormatALB is the access log of an AWS Application Load Balancer:
	// space-separated fields, some of them quoted, one request a line.
	// See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html.
	FormatALB Format = "alb"
	// FormatNginx is nginx's "combined" log format, optionally followed by
	// $request_time, $upstream_response_time and "$host".
	FormatNginx Format = "nginx"
	// FormatJSONL is one JSON object a line, with the fields time, host,
	// method, path (or uri, request_uri, url or request), status and
	// duration (or request_time, in seconds) or duration_ms.
	FormatJSONL Format = "jsonl"
)

// formats lists the formats ParseFormat accepts.
var formats = []Format{FormatALB, FormatNginx, FormatJSONL}

// ParseFormat returns the format named s, ignoring case and surrounding
// space.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(formats, f) {
		return "", fmt.Errorf("accesslog: unknown format %q; expected alb, nginx or jsonl", s)
	}
	return f, nil
}

// Record is one request read from an access log.
type Record struct {
	// Time is when the request was received or, for a log that does not
	// say, when it was logged; in UTC. For ALB it is request_creation_time
	// (when the load balancer received the request), or the "time" field
	// (when it sent the response) on a line too old to hold
	// request_creation_time. For nginx it is $time_local: when the response
	// was logged, to the second. For JSON lines it is the "time" member.
	Time time.Time
	// Host is the requested host name, lower-cased, without a port, and
	// without brackets for an IPv6 address. It is empty when the log does
	// not say.
	Host string
	// Method is the upper-cased HTTP method. It is empty for a request
	// the server logged without a request line ("-"), such as a
	// connection closed before it sent one.
	Method string
	// Path is the request target's path, without the query string. It is
	// not decoded beyond what the log holds: percent-encoding and nginx's
	// \xHH escapes stay as they are.
	Path string
	// Status is the HTTP status code sent to the client, 100 to 599. For
	// ALB it is elb_status_code.
	Status int
	// Duration is how long the request took to serve, or -1 when the log
	// does not say. For ALB it is request_processing_time +
	// target_processing_time + response_processing_time, and unknown when
	// any of them is -1 (the load balancer could not dispatch the request,
	// the target did not respond, or the client went away).
	Duration time.Duration
}

// LineError is a malformed line: one a Reader skipped.
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// Err says what is wrong with the line.
	Err error
	// Text is the start of the line, at most MaxErrorText bytes.
	Text string
}

// Error implements error.
func (e LineError) Error() string {
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// Unwrap returns e.Err.
func (e LineError) Unwrap() error { return e.Err }

// lineErrorJSON is the JSON form of a LineError.
type lineErrorJSON struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	Text  string `json:"text"`
}

// MarshalJSON implements json.Marshaler: {"line": 12, "error": "...",
// "text": "..."}, the error as its message.
func (e LineError) MarshalJSON() ([]byte, error) {
	j := lineErrorJSON{Line: e.Line, Text: e.Text}
	if e.Err != nil {
		j.Error = e.Err.Error()
	}
	return json.Marshal(j)
}

// UnmarshalJSON implements json.Unmarshaler, the inverse of MarshalJSON;
// the error comes back as a plain error with the same message.
func (e *LineError) UnmarshalJSON(b []byte) error {
	var j lineErrorJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = LineError{Line: j.Line, Text: j.Text}
	if j.Error != "" {
		e.Err = errors.New(j.Error)
	}
	return nil
}

// Stats counts what a Reader has read so far.
type Stats struct {
	// Lines is the number of lines read, blank ones included.
	Lines int
	// Records is the number of records returned.
	Records int
	// Malformed is the number of malformed lines skipped.
	Malformed int
	// Errors holds the first MaxErrors malformed lines.
	Errors []LineError
	// Bytes is the number of bytes read, after decompression.
	Bytes int64
}

const (
	// MaxErrors is how many malformed lines Stats.Errors keeps.
	MaxErrors = 10
	// MaxErrorText is how much of a malformed line LineError.Text keeps.
	MaxErrorText = 200
	// MaxLineBytes is the longest line a Reader parses; a longer one is
	// malformed.
	MaxLineBytes = 1 << 20
)

// bufferSize is the size of a Reader's buffer: a line that fits in it is
// parsed in place.
const bufferSize = 256 << 10

// errTooLong is the error of a line longer than MaxLineBytes.
var errTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// Reader reads the records of one access log stream. It is not safe for
// concurrent use.
type Reader struct {
	br    *bufio.Reader
	parse func(*parser, []byte) (Record, error)
	p     parser
	stats Stats
	long  []byte // A line longer than the buffer, assembled.
	err   error  // Sticky: io.EOF or a read error.
}

// NewReader returns a Reader that parses r as format f.
func NewReader(r io.Reader, f Format) *Reader {
	rd := &Reader{br: bufio.NewReaderSize(r, bufferSize)}
	switch f {
	case FormatALB:
		rd.parse = (*parser).alb
	case FormatNginx:
		rd.parse = (*parser).nginx
	case FormatJSONL:
		rd.parse = (*parser).jsonl
	default:
		rd.err = fmt.Errorf("accesslog: unknown format %q; expected alb, nginx or jsonl", string(f))
	}
	return rd
}

// Next returns the next record. It skips blank lines, and malformed lines,
// which it counts in Stats. It returns io.EOF at the end of the stream, and
// a read error (or, for a Reader of an unknown format, an error saying so)
// as it is, from then on.
func (r *Reader) Next() (Record, error) {
	for r.err == nil {
		line, tooLong, err := r.readLine()
		if err != nil {
			r.err = err
			if err != io.EOF {
				r.err = fmt.Errorf("accesslog: line %d: %w", r.stats.Lines+1, err)
			}
			break
		}
		r.stats.Lines++
		if r.stats.Lines == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // A UTF-8 byte order mark.
		}
		if tooLong {
			r.malformed(line, errTooLong)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec, perr := r.parse(&r.p, line)
		if perr != nil {
			r.malformed(line, perr)
			continue
		}
		r.stats.Records++
		return rec, nil
	}
	return Record{}, r.err
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Errors = slices.Clone(s.Errors)
	return s
}

// readLine returns the next line without its line ending. A line longer
// than MaxLineBytes is consumed whole but only its start is returned, with
// tooLong set. The returned slice is valid until the next call.
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	line, err = r.br.ReadSlice('\n')
	r.stats.Bytes += int64(len(line))
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.stats.Bytes += int64(len(line))
			if !tooLong && len(r.long)+len(line) > MaxLineBytes+2 { // +2: room for "\r\n".
				tooLong = true
			}
			if !tooLong {
				r.long = append(r.long, line...)
			}
		}
		line = r.long
	}
	switch {
	case err == io.EOF && len(line) > 0:
		err = nil // The last line has no line ending.
	case err != nil:
		return nil, false, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !tooLong && len(line) > MaxLineBytes {
		tooLong = true
	}
	return line, tooLong, nil
}

// malformed counts a malformed line, keeping the first MaxErrors.
func (r *Reader) malformed(line []byte, err error) {
	r.stats.Malformed++
	if len(r.stats.Errors) < MaxErrors {
		r.stats.Errors = append(r.stats.Errors, LineError{Line: r.stats.Lines, Err: err, Text: truncate(line, MaxErrorText)})
	}
}

// truncate returns the first n bytes of b as a string, backing off so as
// not to split a UTF-8 sequence.
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > n-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	if !utf8.RuneStart(b[cut]) {
		cut = n // Not UTF-8 anyway.
	}
	return string(b[:cut])
}

// maxHosts bounds the host names a parser interns.
const maxHosts = 4096

// parser holds the state the format parsers share across lines: scratch
// space and the interned host names, so that a record of a known host
// allocates only its path.
type parser struct {
	hosts   map[string]string
	scratch []byte
}

// host returns b as a host name: port stripped, lower-cased, interned.
func (p *parser) host(b []byte) string {
	b = hostOnly(b)
	if len(b) == 0 {
		return ""
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			p.scratch = append(p.scratch[:0], b...)
			for i, c := range p.scratch {
				if 'A' <= c && c <= 'Z' {
					p.scratch[i] = c + 'a' - 'A'
				}
			}
			b = p.scratch
			break
		}
	}
	if h, ok := p.hosts[string(b)]; ok {
		return h
	}
	h := string(b)
	if p.hosts == nil {
		p.hosts = make(map[string]string)
	}
	if len(p.hosts) < maxHosts {
		p.hosts[h] = h
	}
	return h
}
