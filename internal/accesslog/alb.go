package accesslog

import (
	"fmt"
	"strconv"
)

// The ALB fields a record is made of, by their 0-based position.
const (
	albTime            = 1
	albRequestTime     = 5
	albTargetTime      = 6
	albResponseTime    = 7
	albStatus          = 8
	albRequest         = 12
	albDomainName      = 18
	albRequestCreation = 21
	// albMinFields is how many fields the oldest ALB logs have: through
	// trace_id. A line with fewer is truncated.
	albMinFields = 18
)

// albNames names the ALB fields, for error messages.
var albNames = [...]string{
	"type", "time", "elb", "client:port", "target:port",
	"request_processing_time", "target_processing_time", "response_processing_time",
	"elb_status_code", "target_status_code", "received_bytes", "sent_bytes",
	"request", "user_agent", "ssl_cipher", "ssl_protocol", "target_group_arn",
	"trace_id", "domain_name", "chosen_cert_arn", "matched_rule_priority",
	"request_creation_time", "actions_executed", "redirect_url", "error_reason",
	"target:port_list", "target_status_code_list", "classification",
	"classification_reason", "conn_trace_id",
}

// albName names the ALB field at 0-based position i.
func albName(i int) string {
	if i < len(albNames) {
		return albNames[i]
	}
	return "field " + strconv.Itoa(i+1)
}

// alb parses a line of an Application Load Balancer's access log.
func (p *parser) alb(line []byte) (Record, error) {
	var (
		f [albRequestCreation + 1][]byte
		n int // Fields seen.
	)
	for i := skipSpaces(line, 0); i < len(line); i = skipSpaces(line, i) {
		field, quoted, next, err := nextField(line, i)
		if err != nil {
			return Record{}, fmt.Errorf("%s: %w", albName(n), err)
		}
		if (n == albRequest || n == albDomainName) && !quoted {
			return Record{}, fmt.Errorf("%s: expected a quoted field, got %s", albName(n), shown(field))
		}
		if n < len(f) {
			f[n] = field
		}
		n++
		i = next
	}
	if n < albMinFields {
		return Record{}, fmt.Errorf("truncated line: %d of at least %d fields", n, albMinFields)
	}

	var (
		rec Record
		ok  bool
	)
	if rec.Time, ok = parseRFC3339(f[albTime]); !ok {
		return Record{}, fmt.Errorf("time: invalid timestamp %s", shown(f[albTime]))
	}
	if n > albRequestCreation && !isDash(f[albRequestCreation]) {
		if rec.Time, ok = parseRFC3339(f[albRequestCreation]); !ok {
			return Record{}, fmt.Errorf("request_creation_time: invalid timestamp %s", shown(f[albRequestCreation]))
		}
	}
	for _, i := range [...]int{albRequestTime, albTargetTime, albResponseTime} {
		d, ok := parseSeconds(f[i])
		switch {
		case !ok:
			return Record{}, fmt.Errorf("%s: invalid duration %s", albName(i), shown(f[i]))
		case d < 0 || rec.Duration < 0:
			rec.Duration = unknownDuration
		default:
			rec.Duration += d
		}
	}
	if rec.Status, ok = parseStatus(f[albStatus]); !ok {
		return Record{}, fmt.Errorf("elb_status_code: invalid status %s", shown(f[albStatus]))
	}
	rl, err := parseRequestLine(f[albRequest])
	if err != nil {
		return Record{}, fmt.Errorf("request: %w", err)
	}
	rec.Method, rec.Path = rl.method, string(rl.path)
	if host := f[albDomainName]; len(host) > 0 && !isDash(host) {
		rec.Host = p.host(host)
	} else {
		rec.Host = p.host(rl.host)
	}
	return rec, nil
}

// isDash reports whether a field is "-", a log's way of writing "none".
func isDash(b []byte) bool { return len(b) == 1 && b[0] == '-' }
