package accesslog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const jsonlLine = `{"time":"2024-05-14T08:00:01.123Z","host":"Shop.Example.com:443","method":"get","path":"/cart?id=1","status":200,"duration":0.042}`

func TestJSONL(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Record
	}{
		{"basic", jsonlLine, Record{Time: ts("2024-05-14T08:00:01.123Z"), Host: "shop.example.com", Method: "GET", Path: "/cart", Status: 200, Duration: ms(42)}},
		{
			"unix seconds, string status, duration_ms, uri",
			`{"time":1715673601.5,"status":"503","uri":"/x","duration_ms":12.5}`,
			Record{Time: ts("2024-05-14T08:00:01.5Z"), Path: "/x", Status: 503, Duration: 12*ms(1) + 500_000},
		},
		{
			"unix milliseconds",
			`{"time":1715673601123,"status":204,"method":"DELETE","request_uri":"/v1/items/9?force=1","duration_ms":3}`,
			Record{Time: ts("2024-05-14T08:00:01.123Z"), Method: "DELETE", Path: "/v1/items/9", Status: 204, Duration: ms(3)},
		},
		{
			"nginx escape=json",
			`{"time":"2024-05-14T10:00:01+02:00","host":"api.example.com","request":"POST /v1/orders?x=1 HTTP/2.0","status":"201","request_time":"0.120","upstream_response_time":"0.118","remote_addr":"192.0.2.1"}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Host: "api.example.com", Method: "POST", Path: "/v1/orders", Status: 201, Duration: ms(120)},
		},
		{
			"nginx msec and time_local",
			`{"time":"1715673601.250","status":200,"path":"/a","request_time":"-"}`,
			Record{Time: ts("2024-05-14T08:00:01.25Z"), Path: "/a", Status: 200, Duration: -1},
		},
		{
			"time_local",
			`{"time":"14/May/2024:10:00:01 +0200","status":200}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Status: 200, Duration: -1},
		},
		{
			"absolute url gives the host",
			`{"time":"2024-05-14T08:00:01Z","url":"https://API.example.com:8443/v1/x?y=2","status":404,"method":"GET"}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Host: "api.example.com", Method: "GET", Path: "/v1/x", Status: 404, Duration: -1},
		},
		{
			"host member beats the url's",
			`{"time":"2024-05-14T08:00:01Z","url":"http://10.0.0.1/v1/x","host":"api.example.com","status":200}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Host: "api.example.com", Path: "/v1/x", Status: 200, Duration: -1},
		},
		{
			"path preferred over uri and request",
			`{"time":"2024-05-14T08:00:01Z","request":"GET /raw?q HTTP/1.1","uri":"/uri","path":"/path","status":200}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Method: "GET", Path: "/path", Status: 200, Duration: -1},
		},
		{
			"escapes, null duration",
			`{"time":"2024-05-14T08:00:01Z","path":"/caf\u00e9/\"q\"\/\ud83d\ude00\ud800","status":200,"duration":null,"method":"P\u0055T"}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Method: "PUT", Path: "/café/\"q\"/\U0001F600\uFFFD", Status: 200, Duration: -1},
		},
		{
			"nested, unknown and repeated members, white space",
			" \t{ \"time\" : \"2024-05-14T08:00:01Z\", \"status\": 500, \"meta\": {\"a\": [1, -2.5e3, {\"b\": null}], \"c\": true}, \"tags\": [], \"status\": 502, \"duration\": 1.5e-3 } ",
			Record{Time: ts("2024-05-14T08:00:01Z"), Status: 502, Duration: 1500 * 1000},
		},
		{
			"escaped member name",
			`{"\u0074ime":"2024-05-14T08:00:01Z","st\u0061tus":200,"duration":-1}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Status: 200, Duration: -1},
		},
		{
			"request unused when method and path are there",
			`{"time":"2024-05-14T08:00:01Z","request":"\u0016\u0003","method":"GET","url":"/u","status":200}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Method: "GET", Path: "/u", Status: 200, Duration: -1},
		},
		{
			"method dash and empty strings",
			`{"time":"2024-05-14T08:00:01Z","status":400,"method":"-","host":"","path":""}`,
			Record{Time: ts("2024-05-14T08:00:01Z"), Status: 400, Duration: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.line+"\n", FormatJSONL)
			want := result{Records: []Record{tt.want}, Lines: 1, Bytes: int64(len(tt.line) + 1)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("JSON line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONLMalformed(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"not an object", `[1,2]`, "expected a JSON object"},
		{"truncated", `{"time":"2024-05-14T08:00:01Z","status":`, "invalid JSON: truncated value"},
		{"truncated string", jsonlLine[:20], "invalid JSON: unterminated string"},
		{"trailing data", jsonlLine + ` x`, "invalid JSON: unexpected data after the object at offset 131"},
		{"two objects", jsonlLine + jsonlLine, "invalid JSON: unexpected data after the object at offset 130"},
		{"trailing comma", `{"time":"2024-05-14T08:00:01Z","status":200,}`, "invalid JSON: expected a member name at offset 44"},
		{"bad number", `{"time":"2024-05-14T08:00:01Z","status":01}`, "invalid JSON: expected ',' or '}' at offset 41"},
		{"bad literal", `{"time":"2024-05-14T08:00:01Z","status":200,"x":nul}`, "invalid JSON: unexpected 'n' at offset 48"},
		{"bad escape", `{"time":"2024-05-14T08:00:01Z","status":200,"x":"\q"}`, "invalid JSON: invalid escape at offset 49"},
		{"control character", "{\"time\":\"2024-05-14T08:00:01Z\",\"status\":200,\"x\":\"\x01\"}", "invalid JSON: control character in a string at offset 49"},
		{"too deep", `{"time":"2024-05-14T08:00:01Z","status":200,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "JSON nested deeper than 64"},
		{"no status", `{"time":"2024-05-14T08:00:01Z","path":"/"}`, "no status"},
		{"null status", `{"time":"2024-05-14T08:00:01Z","status":null}`, "no status"},
		{"no time", `{"status":200}`, "no time"},
		{"status out of range", `{"time":"2024-05-14T08:00:01Z","status":600}`, `status: invalid status "600"`},
		{"status not an integer", `{"time":"2024-05-14T08:00:01Z","status":200.0}`, `status: invalid status "200.0"`},
		{"status bool", `{"time":"2024-05-14T08:00:01Z","status":true}`, `status: expected a number or a string`},
		{"bad time", `{"time":"yesterday","status":200}`, `time: invalid time "yesterday"; expected RFC 3339 or Unix seconds or milliseconds`},
		{"bad date", `{"time":"2023-02-29T00:00:00Z","status":200}`, `time: invalid time "2023-02-29T00:00:00Z"; expected RFC 3339 or Unix seconds or milliseconds`},
		{"time object", `{"time":{},"status":200}`, `time: expected a string or a number`},
		{"negative time", `{"time":-5,"status":200}`, `time: negative Unix time "-5"`},
		{"microseconds", `{"time":1715673601000000,"status":200}`, `time: time "1715673601000000" out of range of Unix seconds and milliseconds`},
		{"bad duration", `{"time":"2024-05-14T08:00:01Z","status":200,"duration":"fast"}`, `duration: invalid duration "fast"`},
		{"huge duration", `{"time":"2024-05-14T08:00:01Z","status":200,"duration_ms":1e300}`, `duration_ms: invalid duration "1e300"`},
		{"duration array", `{"time":"2024-05-14T08:00:01Z","status":200,"request_time":[]}`, `request_time: expected a number or a string`},
		{"host number", `{"time":"2024-05-14T08:00:01Z","status":200,"host":5}`, `host: expected a string`},
		{"garbage method", `{"time":"2024-05-14T08:00:01Z","status":200,"method":"GE T"}`, `method: invalid method "GE T"`},
		{"garbage request", `{"time":"2024-05-14T08:00:01Z","status":200,"request":"\u0016\u0003"}`, `request: invalid method "\x16\x03"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := jsonlLine + "\n" + tt.line + "\n" + jsonlLine + "\n"
			got := readString(t, in, FormatJSONL)
			rec := mustRead(t, jsonlLine, FormatJSONL)
			want := result{
				Records: []Record{rec, rec},
				Errors:  []lineErr{{Line: 2, Err: tt.want, Text: truncate([]byte(tt.line), MaxErrorText)}},
				Lines:   3, Bad: 1, Bytes: int64(len(in)),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("malformed JSON line read wrong (-want +got):\n%s", diff)
			}
		})
	}
}

// jsonlLines returns n realistic JSON lines.
func jsonlLines(n int) []string {
	paths := []string{"/", "/cart", "/v1/orders/12345", "/static/js/app.3f9a2c.js", "/healthz", "/search?q=red+shoes&page=2"}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	statuses := []int{200, 200, 200, 304, 404, 500, 502, 499}
	lines := make([]string, n)
	for i := range n {
		lines[i] = fmt.Sprintf(`{"time":"2024-05-14T08:%02d:%02d.%03dZ","remote_addr":"203.0.113.%d","host":"shop.example.com","method":"%s","path":"%s","status":%d,"bytes_sent":%d,"duration":0.%03d,"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","trace_id":"%032x"}`,
			i/60%60, i%60, i%1000, i%250, methods[i%len(methods)], paths[i%len(paths)], statuses[i%len(statuses)], 100+i%50000, i%1000, i)
	}
	return lines
}
