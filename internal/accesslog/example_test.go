package accesslog_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"kiban.dev/kiban/internal/accesslog"
)

func ExampleReader() {
	log := `203.0.113.9 - - [14/May/2024:08:00:01 +0000] "GET /cart?id=42 HTTP/1.1" 200 2326 "-" "Mozilla/5.0" 0.042 "shop.example.com"
203.0.113.9 - - [14/May/2024:08:00:02 +0000] "POST /checkout HTTP/1.1" 502 157 "-" "Mozilla/5.0" 30.001 "shop.example.com"
this line is not nginx's
203.0.113.9 - - [14/May/2024:08:00:03 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"
`
	r := accesslog.NewReader(strings.NewReader(log), accesslog.FormatNginx)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rec.Time.Format("15:04:05"), rec.Host, rec.Method, rec.Path, rec.Status, rec.Duration)
	}
	st := r.Stats()
	fmt.Printf("%d lines, %d records, %d malformed\n", st.Lines, st.Records, st.Malformed)
	for _, e := range st.Errors {
		fmt.Println(e)
	}
	// Output:
	// 08:00:01 shop.example.com GET /cart 200 42ms
	// 08:00:02 shop.example.com POST /checkout 502 30.001s
	// 08:00:03  GET / 200 -1ns
	// 4 lines, 3 records, 1 malformed
	// line 3: time_local: expected [
}
