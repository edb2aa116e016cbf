package accesslog

import (
	"bytes"
	"fmt"
)

// nginx parses a line of nginx's combined log format, with the optional
// trailer the package documentation describes:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"[ $request_time[ $upstream_response_time][ "$host"]]
func (p *parser) nginx(line []byte) (Record, error) {
	var rec Record
	i := skipSpaces(line, 0)

	// $remote_addr and "-": bare words.
	for _, name := range [...]string{"remote_addr", "remote_logname"} {
		if i >= len(line) {
			return Record{}, fmt.Errorf("truncated line: no %s", name)
		}
		if line[i] == '"' || line[i] == '[' {
			return Record{}, fmt.Errorf("%s: unexpected %q", name, line[i])
		}
		_, _, next, _ := nextField(line, i) // A bare word: no error.
		i = skipSpaces(line, next)
	}
	// $remote_user, which may hold spaces, then [$time_local].
	lb := bytes.IndexByte(line[i:], '[')
	if lb < 0 {
		return Record{}, fmt.Errorf("time_local: expected [")
	}
	i += lb + 1
	end := bytes.IndexByte(line[i:], ']')
	if end < 0 {
		return Record{}, fmt.Errorf("time_local: %w", errUnterminated)
	}
	var ok bool
	if rec.Time, ok = parseCLFTime(line[i : i+end]); !ok {
		return Record{}, fmt.Errorf("time_local: invalid time %s; expected 02/Jan/2006:15:04:05 -0700", shown(line[i:i+end]))
	}
	i += end + 1

	// "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent".
	var f [5][]byte
	names := [...]string{"request", "status", "body_bytes_sent", "http_referer", "http_user_agent"}
	for n := range f {
		if i == len(line) || line[i] != ' ' {
			if i == len(line) {
				return Record{}, fmt.Errorf("truncated line: no %s", names[n])
			}
			return Record{}, fmt.Errorf("%s: expected a space before it", names[n])
		}
		i = skipSpaces(line, i)
		if i == len(line) {
			return Record{}, fmt.Errorf("truncated line: no %s", names[n])
		}
		field, quoted, next, err := nextField(line, i)
		if err != nil {
			return Record{}, fmt.Errorf("%s: %w", names[n], err)
		}
		if wantQuoted := n != 1 && n != 2; quoted != wantQuoted {
			if wantQuoted {
				return Record{}, fmt.Errorf("%s: expected a quoted field, got %s", names[n], shown(field))
			}
			return Record{}, fmt.Errorf("%s: unexpected quoted field", names[n])
		}
		f[n], i = field, next
	}
	if rec.Status, ok = parseStatus(f[1]); !ok {
		return Record{}, fmt.Errorf("status: invalid status %s", shown(f[1]))
	}
	if !isDash(f[2]) && !isDigits(f[2]) {
		return Record{}, fmt.Errorf("body_bytes_sent: invalid byte count %s", shown(f[2]))
	}
	rl, err := parseRequestLine(f[0])
	if err != nil {
		return Record{}, fmt.Errorf("request: %w", err)
	}
	rec.Method, rec.Path = rl.method, string(rl.path)

	// The optional trailer.
	rec.Duration = unknownDuration
	host := rl.host
	if i = skipSpaces(line, i); i < len(line) && line[i] != '"' {
		w, _, next, _ := nextField(line, i)
		if d, ok := parseSeconds(w); ok {
			rec.Duration = d
			// Skip $upstream_response_time (which may be a list such as
			// "0.004, 0.010 : 0.002") up to "$host".
			for i = skipSpaces(line, next); i < len(line); i = skipSpaces(line, i) {
				field, quoted, next, err := nextField(line, i)
				if err != nil {
					return Record{}, fmt.Errorf("host: %w", err)
				}
				if quoted {
					if len(field) > 0 {
						host = field
					}
					break
				}
				i = next
			}
		}
		// Otherwise an unknown trailer, which is ignored.
	}
	rec.Host = p.host(host)
	return rec, nil
}

// isDigits reports whether b is a non-empty run of ASCII digits.
func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
