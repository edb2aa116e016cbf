package accesslog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nginx log lines: the combined format and the extensions accepted.
const (
	nginxCombined = `203.0.113.9 - - [10/Oct/2023:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.1" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`
	nginxKiban    = `198.51.100.7 - alice [14/May/2024:08:00:01 +0000] "POST /v1/orders?dry_run=1 HTTP/2.0" 201 512 "-" "okhttp/4.12.0" 0.042 "shop.example.com"`
)

func TestNginx(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
	}{
		{"combined", nginxCombined, Record{Time: ts("2023-10-10T20:55:36Z"), Method: "GET", Path: "/apache_pb.gif", Status: 200, Duration: -1}},
		{"kiban format", nginxKiban, Record{Time: ts("2024-05-14T08:00:01Z"), Host: "shop.example.com", Method: "POST", Path: "/v1/orders", Status: 201, Duration: ms(42)}},
		{
			"request_time only",
			`2001:db8::1 - - [14/May/2024:10:00:02 +0200] "HEAD /healthz HTTP/1.1" 200 0 "-" "kube-probe/1.29" 0.000`,
			Record{Time: ts("2024-05-14T08:00:02Z"), Method: "HEAD", Path: "/healthz", Status: 200, Duration: 0},
		},
		{
			"upstream list and host with port",
			`192.0.2.1 - - [14/May/2024:08:00:03 +0000] "GET /api/search?q=x HTTP/1.1" 502 157 "https://shop.example.com/" "Mozilla/5.0" 1.337 0.002, 0.010 : 1.300 "API.Example.com:8443"`,
			Record{Time: ts("2024-05-14T08:00:03Z"), Host: "api.example.com", Method: "GET", Path: "/api/search", Status: 502, Duration: ms(1337)},
		},
		{
			"no upstream",
			`192.0.2.1 - - [14/May/2024:08:00:04 +0000] "GET /static/app.css HTTP/1.1" 304 0 "-" "Mozilla/5.0" 0.001 - "shop.example.com"`,
			Record{Time: ts("2024-05-14T08:00:04Z"), Host: "shop.example.com", Method: "GET", Path: "/static/app.css", Status: 304, Duration: ms(1)},
		},
		{
			"main format with x_forwarded_for",
			`10.0.0.2 - - [14/May/2024:08:00:05 +0000] "GET /index.html HTTP/1.1" 200 612 "-" "curl/8.5.0" "203.0.113.50, 10.0.0.1"`,
			Record{Time: ts("2024-05-14T08:00:05Z"), Method: "GET", Path: "/index.html", Status: 200, Duration: -1},
		},
		{
			"client closed, no request",
			`192.0.2.77 - - [14/May/2024:08:00:06 +0000] "-" 400 0 "-" "-" 0.000 "_"`,
			Record{Time: ts("2024-05-14T08:00:06Z"), Host: "_", Status: 400, Duration: 0},
		},
		{
			"499 slow request",
			`192.0.2.78 - - [14/May/2024:08:00:07 +0000] "GET /report.pdf HTTP/1.1" 499 0 "-" "Mozilla/5.0" 30.001 "reports.example.com"`,
			Record{Time: ts("2024-05-14T08:00:07Z"), Host: "reports.example.com", Method: "GET", Path: "/report.pdf", Status: 499, Duration: 30*1000*ms(1) + ms(1)},
		},
		{
			"escaped quotes",
			`192.0.2.79 - - [14/May/2024:08:00:08 +0000] "GET /q\x22x\x22 HTTP/1.1" 404 0 "-" "Bot \"quoted\" \x22too\x22" 0.003 "shop.example.com"`,
			Record{Time: ts("2024-05-14T08:00:08Z"), Host: "shop.example.com", Method: "GET", Path: `/q\x22x\x22`, Status: 404, Duration: ms(3)},
		},
		{
			"absolute target, lower-case method, user with a space",
			`192.0.2.80 - bob smith [14/May/2024:08:00:09 +0000] "get http://Proxy.Example.com:8080/x?y HTTP/1.1" 200 5 "-" "-"`,
			Record{Time: ts("2024-05-14T08:00:09Z"), Host: "proxy.example.com", Method: "GET", Path: "/x", Status: 200, Duration: -1},
		},
		{
			"apache dash bytes, HTTP/0.9, options star",
			`192.0.2.81 - - [29/Feb/2024:23:59:59 -1130] "OPTIONS *" 204 - "-" "-"`,
			Record{Time: ts("2024-03-01T11:29:59Z"), Method: "OPTIONS", Path: "*", Status: 204, Duration: -1},
		},
		{
			"path with a space",
			`192.0.2.82 - - [14/May/2024:08:00:10 +0000] "GET /a b HTTP/1.1" 400 0 "-" "-" 0.000 "x.example.com"`,
			Record{Time: ts("2024-05-14T08:00:10Z"), Host: "x.example.com", Method: "GET", Path: "/a b", Status: 400, Duration: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.line+"\n", FormatNginx)
			want := result{Records: []Record{tt.want}, Lines: 1, Bytes: int64(len(tt.line) + 1)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("nginx line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNginxMalformed(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"empty fields", `192.0.2.1`, "truncated line: no remote_logname"},
		{"no time", `192.0.2.1 - - "GET / HTTP/1.1" 200 1 "-" "-"`, "time_local: expected ["},
		{"unterminated time", `192.0.2.1 - - [14/May/2024:08:00:10 +0000`, "time_local: unterminated field"},
		{"bad time", strings.Replace(nginxKiban, "14/May/2024", "32/May/2024", 1), `time_local: invalid time "32/May/2024:08:00:01 +0000"; expected 02/Jan/2006:15:04:05 -0700`},
		{"bad month", strings.Replace(nginxKiban, "14/May/2024", "14/Mai/2024", 1), `time_local: invalid time "14/Mai/2024:08:00:01 +0000"; expected 02/Jan/2006:15:04:05 -0700`},
		{"truncated after status", nginxKiban[:strings.Index(nginxKiban, " 512")], "truncated line: no body_bytes_sent"},
		{"truncated in user agent", nginxKiban[:strings.Index(nginxKiban, "http/4")], "http_user_agent: unterminated field"},
		{"truncated in host", nginxKiban[:len(nginxKiban)-3], "host: unterminated field"},
		{"bad status", strings.Replace(nginxKiban, " 201 ", " 2O1 ", 1), `status: invalid status "2O1"`},
		{"quoted status", strings.Replace(nginxKiban, " 201 ", ` "201" `, 1), `status: unexpected quoted field`},
		{"bad byte count", strings.Replace(nginxKiban, " 512 ", " 5k ", 1), `body_bytes_sent: invalid byte count "5k"`},
		{"unquoted referer", strings.Replace(nginxKiban, ` "-" "okhttp`, ` - "okhttp`, 1), `http_referer: expected a quoted field, got "-"`},
		{"no space after time", strings.Replace(nginxKiban, `] "POST`, `]"POST`, 1), `request: expected a space before it`},
		{"tls handshake on http", `192.0.2.1 - - [14/May/2024:08:00:10 +0000] "\x16\x03\x01\x00\xF1\x01\x00\x00\xED\x03\x03" 400 157 "-" "-" 0.001 "_"`, `request: invalid method "\\x16\\x03\\x01\\x00\\xF1\\x01\\x00\\x00\\xED\\x03"...`},
		{"garbage method", `192.0.2.1 - - [14/May/2024:08:00:10 +0000] "\x16\x03 / HTTP/1.1" 400 157 "-" "-"`, `request: invalid method "\\x16\\x03"`},
		{"quoted remote_addr", `"192.0.2.1" - - [14/May/2024:08:00:10 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`, `remote_addr: unexpected '"'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := nginxCombined + "\n" + tt.line + "\n" + nginxKiban + "\n"
			got := readString(t, in, FormatNginx)
			want := result{
				Records: []Record{mustRead(t, nginxCombined, FormatNginx), mustRead(t, nginxKiban, FormatNginx)},
				Errors:  []lineErr{{Line: 2, Err: tt.want, Text: tt.line}},
				Lines:   3, Bad: 1, Bytes: int64(len(in)),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("malformed nginx line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

// nginxLines returns n realistic nginx lines in the kiban format.
func nginxLines(n int) []string {
	paths := []string{"/", "/cart", "/v1/orders/12345", "/static/js/app.3f9a2c.js", "/healthz", "/search?q=red+shoes&page=2"}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	statuses := []int{200, 200, 200, 304, 404, 500, 502, 499}
	lines := make([]string, n)
	for i := range n {
		lines[i] = fmt.Sprintf(`203.0.113.%d - - [14/May/2024:08:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "https://shop.example.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15" 0.%03d "shop.example.com"`,
			i%250, i/60%60, i%60, methods[i%len(methods)], paths[i%len(paths)], statuses[i%len(statuses)], 100+i%50000, i%1000)
	}
	return lines
}
