package accesslog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ALB access log lines. The first ones are AWS's documented examples, on
// one line each as the load balancer writes them; the rest are shaped like
// them.
const (
	albHTTP      = `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`
	albHTTPS     = `https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`
	albH2        = `h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" TID_1234abcd5678ef90`
	albWS        = `ws 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:40914 10.0.1.192:8010 0.001 0.003 0.000 101 101 218 587 "GET http://10.0.0.30:80/ HTTP/1.1" "-" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.1.192:8010" "101" "-" "-" TID_1234abcd5678ef90`
	albWSS       = `wss 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:44244 10.0.0.171:8010 0.000 0.001 0.000 101 101 218 786 "GET https://10.0.0.30:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.171:8010" "101" "-" "-" TID_1234abcd5678ef90`
	albLambda    = `http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-" TID_1234abcd5678ef90`
	albLambda502 = `http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" TID_1234abcd5678ef90`
	// No healthy target: the load balancer answers 503 itself.
	alb503 = `https 2024-05-14T08:00:01.004211Z app/prod-web/0f1e2d3c4b5a6978 203.0.113.7:51234 - -1 -1 -1 503 - 120 345 "GET https://shop.example.com:443/cart?id=42 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0a1b2c3d4e5f6a7b "Root=1-6643199d-0123456789abcdef01234567" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" 2 2024-05-14T08:00:01.003000Z "forward" "-" "-" "-" "-" "-" "-" TID_7d6c5b4a39281706`
	// The client closed the connection before the target answered.
	alb460 = `http 2024-05-14T08:00:31.000118Z app/prod-web/0f1e2d3c4b5a6978 198.51.100.23:40022 - 0.000 -1 -1 460 - 512 0 "POST http://api.example.com:80/v1/orders HTTP/1.1" "okhttp/4.12.0" - - arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/1a2b3c4d5e6f7a8b "Root=1-664319bf-89abcdef0123456701234567" "-" "-" 3 2024-05-14T08:00:01.000000Z "forward" "-" "-" "-" "-" "-" "-" TID_0011223344556677`
	// Quotes in the user agent, escaped.
	albQuotedUA = `https 2024-05-14T08:00:02.107000Z app/prod-web/0f1e2d3c4b5a6978 203.0.113.50:60211 10.0.3.7:8443 0.001 0.097 0.000 201 201 2048 95 "PUT https://API.Example.COM:443/v1/items/7?dry_run=false HTTP/1.1" "Mozilla/5.0 (compatible; \"QuoteBot\" 1.0; +http://bot.example/) \\" TLS_AES_256_GCM_SHA384 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/1a2b3c4d5e6f7a8b "Root=1-664319a2-0123456789abcdef01234567" "-" "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" 3 2024-05-14T08:00:02.009000Z "forward" "-" "-" "10.0.3.7:8443" "201" "-" "-" TID_8899aabbccddeeff`
	// Fields AWS may add at the end in future.
	albExtra = `h2 2024-05-14T08:00:03.250000Z app/prod-web/0f1e2d3c4b5a6978 192.0.2.44:5555 10.0.3.8:8080 0.000 0.250 0.000 200 200 90 1200 "GET https://shop.example.com:443/static/app.js HTTP/2.0" "Mozilla/5.0" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0a1b2c3d4e5f6a7b "Root=1-664319a3-0123456789abcdef01234567" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" 2 2024-05-14T08:00:03.000000Z "forward" "-" "-" "10.0.3.8:8080" "200" "-" "-" TID_0123456789abcdef "shop.example.com" "/static/app.js" "-" new_field_42`
	// A log from before request_creation_time: 18 fields.
	alb2016 = `http 2016-08-10T20:29:05.632349Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 304 304 34 366 "GET http://www.example.com:80/img/logo.png HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354"`
	// A request the load balancer could not parse.
	albBadRequest = `http 2024-05-14T08:00:04.000000Z app/prod-web/0f1e2d3c4b5a6978 192.0.2.10:61000 - -1 -1 -1 400 - 0 272 "- http://prod-web-1234567890.us-east-1.elb.amazonaws.com:80- -" "-" - - - "-" "-" "-" - 2024-05-14T08:00:03.990000Z "-" "-" "-" "-" "-" "-" "-" TID_aabbccddeeff0011`
)

func TestALB(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
	}{
		{"http", albHTTP, Record{Time: ts("2018-07-02T22:22:48.364Z"), Host: "www.example.com", Method: "GET", Path: "/", Status: 200, Duration: ms(1)}},
		{"https domain_name", albHTTPS, Record{Time: ts("2018-07-02T22:22:48.364Z"), Host: "www.example.com", Method: "GET", Path: "/", Status: 200, Duration: ms(171)}},
		{"h2 host from request", albH2, Record{Time: ts("2018-07-02T22:22:48.364Z"), Host: "10.0.2.105", Method: "GET", Path: "/", Status: 200, Duration: ms(2)}},
		{"websocket", albWS, Record{Time: ts("2018-07-02T22:22:48.364Z"), Host: "10.0.0.30", Method: "GET", Path: "/", Status: 101, Duration: ms(4)}},
		{"secure websocket", albWSS, Record{Time: ts("2018-07-02T22:22:48.364Z"), Host: "10.0.0.30", Method: "GET", Path: "/", Status: 101, Duration: ms(1)}},
		{"lambda", albLambda, Record{Time: ts("2018-11-30T22:22:48.364Z"), Host: "www.example.com", Method: "GET", Path: "/", Status: 200, Duration: ms(1)}},
		{"lambda 502", albLambda502, Record{Time: ts("2018-11-30T22:22:48.364Z"), Host: "www.example.com", Method: "GET", Path: "/", Status: 502, Duration: ms(1)}},
		{"503 no target, -1 times", alb503, Record{Time: ts("2024-05-14T08:00:01.003Z"), Host: "shop.example.com", Method: "GET", Path: "/cart", Status: 503, Duration: -1}},
		{"460 client closed", alb460, Record{Time: ts("2024-05-14T08:00:01Z"), Host: "api.example.com", Method: "POST", Path: "/v1/orders", Status: 460, Duration: -1}},
		{"escaped quotes in user agent", albQuotedUA, Record{Time: ts("2024-05-14T08:00:02.009Z"), Host: "api.example.com", Method: "PUT", Path: "/v1/items/7", Status: 201, Duration: ms(98)}},
		{"extra trailing fields", albExtra, Record{Time: ts("2024-05-14T08:00:03Z"), Host: "shop.example.com", Method: "GET", Path: "/static/app.js", Status: 200, Duration: ms(250)}},
		{"2016 format uses time", alb2016, Record{Time: ts("2016-08-10T20:29:05.632349Z"), Host: "www.example.com", Method: "GET", Path: "/img/logo.png", Status: 304, Duration: ms(1)}},
		{"unparsed request", albBadRequest, Record{Time: ts("2024-05-14T08:00:03.99Z"), Host: "prod-web-1234567890.us-east-1.elb.amazonaws.com", Status: 400, Duration: -1}},
		{
			"ipv6 client and host",
			`https 2024-05-14T08:00:05.000000Z app/prod-web/0f1e2d3c4b5a6978 [2001:db8::7]:443 10.0.3.9:80 0.000 0.010 0.000 200 200 10 20 "DELETE https://[2001:DB8::1]:443/v1/items/9 HTTP/1.1" "-" TLS_AES_128_GCM_SHA256 TLSv1.3 - "Root=1-x" "-" "-" 4 2024-05-14T08:00:04.990000Z "forward" "-" "-" "10.0.3.9:80" "200" "-" "-" TID_x`,
			Record{Time: ts("2024-05-14T08:00:04.99Z"), Host: "2001:db8::1", Method: "DELETE", Path: "/v1/items/9", Status: 200, Duration: ms(10)},
		},
		{
			"query without path, nanoseconds, offset",
			`http 2024-05-14T08:00:06Z app/prod-web/0f1e2d3c4b5a6978 192.0.2.1:1 10.0.3.9:80 0.0000001 0.5 0 200 200 1 2 "get http://Example.com?q=1 HTTP/1.0" "-" - - - "Root=1-x" "-" "-" 4 2024-05-14T10:00:05.123456789+02:00 "forward" "-" "-" "10.0.3.9:80" "200" "-" "-"`,
			Record{Time: ts("2024-05-14T08:00:05.123456789Z"), Host: "example.com", Method: "GET", Path: "", Status: 200, Duration: 500*ms(1) + 100},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.line+"\n", FormatALB)
			want := result{Records: []Record{tt.want}, Lines: 1, Bytes: int64(len(tt.line) + 1)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ALB line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

// cut returns line without its last n fields, split at spaces.
func cut(line string, n int) string {
	f := strings.Split(line, " ")
	return strings.Join(f[:len(f)-n], " ")
}

func TestALBMalformed(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // The error.
	}{
		{"truncated", albHTTP[:80], "truncated line: 4 of at least 18 fields"},
		{"truncated before trace_id", cut(alb2016, 1), "truncated line: 17 of at least 18 fields"},
		{"truncated in a quoted field", albHTTPS[:strings.Index(albHTTPS, "curl")+2], "user_agent: unterminated field"},
		{"truncated in an escape", `http 2018-07-02T22:23:00.186641Z a b c 0 0 0 200 200 1 1 "GET http://x/ HTTP/1.1" "abc\`, "user_agent: unterminated field"},
		{"text after a closing quote", strings.Replace(albHTTP, `"curl/7.46.0"`, `"curl/7.46.0"x`, 1), `user_agent: unexpected 'x' after a closing quote`},
		{"bad status", strings.Replace(albHTTP, " 200 200 ", " 2x0 200 ", 1), `elb_status_code: invalid status "2x0"`},
		{"status out of range", strings.Replace(albHTTP, " 200 200 ", " 600 200 ", 1), `elb_status_code: invalid status "600"`},
		{"no status", strings.Replace(albHTTP, " 200 200 ", " - 200 ", 1), `elb_status_code: invalid status "-"`},
		{"bad time", strings.Replace(albHTTP, "2018-07-02T22:23:00.186641Z", "2018-13-02T22:23:00.186641Z", 1), `time: invalid timestamp "2018-13-02T22:23:00.186641Z"`},
		{"bad request_creation_time", strings.Replace(albHTTP, "2018-07-02T22:22:48.364000Z", "2018-07-02 22:22:48", 1), `request_creation_time: invalid timestamp "2018-07-02"`},
		{"bad duration", strings.Replace(albHTTP, " 0.000 0.001 ", " 0.000 fast ", 1), `target_processing_time: invalid duration "fast"`},
		{"garbage method", strings.Replace(albHTTP, `"GET http`, `"G<T http`, 1), `request: invalid method "G<T"`},
		{"unquoted request", strings.Replace(albHTTP, `"GET http://www.example.com:80/ HTTP/1.1"`, `GET`, 1), `request: expected a quoted field, got "GET"`},
		{"request without target", strings.Replace(albHTTP, `"GET http://www.example.com:80/ HTTP/1.1"`, `"GET"`, 1), `request: invalid request line "GET"; expected METHOD TARGET [PROTOCOL]`},
		{"unquoted domain_name", strings.Replace(albHTTPS, `"www.example.com" "arn`, `www.example.com "arn`, 1), `domain_name: expected a quoted field, got "www.example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bad line between two good ones, which must both be read.
			in := albHTTP + "\n" + tt.line + "\n" + albH2 + "\n"
			got := readString(t, in, FormatALB)
			want := result{
				Records: []Record{mustRead(t, albHTTP, FormatALB), mustRead(t, albH2, FormatALB)},
				Errors:  []lineErr{{Line: 2, Err: tt.want, Text: truncate([]byte(tt.line), MaxErrorText)}},
				Lines:   3, Bad: 1, Bytes: int64(len(in)),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("malformed ALB line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

// mustRead parses one good line.
func mustRead(t testing.TB, line string, f Format) Record {
	t.Helper()
	res := readString(t, line, f)
	if len(res.Records) != 1 {
		t.Fatalf("%s line %q: got %d records, errors %v", f, line, len(res.Records), res.Errors)
	}
	return res.Records[0]
}

// albLines returns n realistic ALB lines.
func albLines(n int) []string {
	hosts := []string{"shop.example.com", "api.example.com", "-"}
	paths := []string{"/", "/cart", "/v1/orders/12345", "/static/js/app.3f9a2c.js", "/healthz", "/search?q=red+shoes&page=2"}
	statuses := []string{"200 200", "200 200", "200 200", "304 304", "404 404", "500 500", "502 -", "503 -"}
	lines := make([]string, n)
	for i := range n {
		host := hosts[i%len(hosts)]
		urlHost := "shop.example.com"
		if host != "-" {
			urlHost = host
		}
		proc := fmt.Sprintf("0.000 0.%03d 0.000", i%1000)
		if i%50 == 0 {
			proc = "-1 -1 -1"
		}
		lines[i] = fmt.Sprintf(`https 2024-05-14T08:%02d:%02d.%06dZ app/prod-web/0f1e2d3c4b5a6978 203.0.113.%d:%d 10.0.3.%d:8080 %s %s %d %d "GET https://%s:443%s HTTP/1.1" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0a1b2c3d4e5f6a7b "Root=1-664319a3-%024x" "%s" "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" 2 2024-05-14T08:%02d:%02d.%06dZ "forward" "-" "-" "10.0.3.%d:8080" "200" "-" "-" TID_%016x`,
			i/60%60, i%60, i%1000000, i%250, 1024+i%60000, i%20, proc, statuses[i%len(statuses)], 300+i%2000, 1000+i%50000,
			urlHost, paths[i%len(paths)], i, host, i/60%60, i%60, i%1000000, i%20, i)
	}
	return lines
}
