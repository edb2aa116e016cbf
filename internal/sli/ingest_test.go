package sli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kiban.dev/kiban/internal/accesslog"
	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// albLine writes one ALB access log line (the layout AWS documents) for a
// request created at t that took d to serve.
func albLine(t time.Time, method, url string, status int, d time.Duration) string {
	third := d.Seconds() / 3
	return fmt.Sprintf(`https %s app/shop/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 %.3f %.3f %.3f %d %d 34 366 "%s %s HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "shop.example.com" "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 %s "forward" "-" "-" "10.0.0.1:80" "%d" "-" "-" TID_1234abcd5678ef90`,
		t.Add(d).UTC().Format("2006-01-02T15:04:05.000000Z"), third, third, third, status, status, method, url, t.UTC().Format("2006-01-02T15:04:05.000000Z"), status)
}

func TestIngestLogs(t *testing.T) {
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(c)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	lines := []string{
		albLine(t0.Add(1*time.Second), "GET", "https://shop.example.com:443/api/items/1?x=1", 200, 90*ms),
		albLine(t0.Add(2*time.Second), "GET", "https://shop.example.com:443/api/items/2", 200, 600*ms), // slow
		"this line is not an ALB log line",
		albLine(t0.Add(3*time.Second), "GET", "https://shop.example.com:443/api/items/3", 502, 10*ms),
		albLine(t0.Add(61*time.Second), "POST", "https://shop.example.com:443/api/pay", 201, 50*ms),
		albLine(t0.Add(62*time.Second), "GET", "https://shop.example.com:443/healthz", 200, 1*ms),
	}
	log := strings.Join(lines, "\n") + "\n"
	res, err := IngestLogs(context.Background(), st, m, strings.NewReader(log), "alb.log", accesslog.FormatALB, "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 6 || res.Records != 5 || res.Malformed != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 3 || res.Duplicate {
		t.Errorf("result = %+v; want 6 lines, 5 records, line 3 malformed", res)
	}
	// Every record counts for checkout-all; 3 for the items SLO, 1 for the
	// payment step.
	if res.Matched != 5 {
		t.Errorf("matched = %d; want 5", res.Matched)
	}
	got, err := st.Buckets(context.Background(), []string{"checkout-items", "checkout-all", "buy/pay"}, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{
		"checkout-items 10:00": {1, 3}, // one fast 200; a slow 200 and a 502 are bad
		"checkout-all 10:00":   {2, 3}, // the 502 is bad
		"checkout-all 10:01":   {2, 2},
		"buy/pay 10:01":        {1, 1},
	}
	have := map[string][2]int64{}
	for _, b := range got {
		have[b.Key+" "+b.Minute.Format("15:04")] = [2]int64{b.Good, b.Total}
	}
	if fmt.Sprint(have) != fmt.Sprint(want) {
		t.Errorf("buckets = %v; want %v", have, want)
	}
	// The same log again is not counted twice.
	res, err = IngestLogs(context.Background(), st, m, strings.NewReader(log), "alb-copy.log", accesslog.FormatALB, "test")
	if err != nil || !res.Duplicate {
		t.Errorf("second ingest = %+v, %v; want a duplicate", res, err)
	}
	again, _ := st.Buckets(context.Background(), []string{"checkout-all"}, t0, t0.Add(time.Hour))
	if len(again) != 2 || again[0].Total != 3 {
		t.Errorf("after re-ingest: %+v; want the counts unchanged", again)
	}
}

func BenchmarkIngestALB(b *testing.B) {
	c, err := catalog.Parse(context.Background(), []catalog.File{{Name: "t.yaml", Data: []byte(tree)}})
	if err != nil {
		b.Fatal(err)
	}
	m, _ := NewMatcher(c)
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "k.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var sb strings.Builder
	paths := []string{"/api/items/42", "/api/pay", "/", "/api/items/7"}
	for i := range 20000 {
		fmt.Fprintln(&sb, albLine(t0.Add(time.Duration(i)*50*time.Millisecond), "GET", "https://shop.example.com:443"+paths[i%len(paths)], 200+i%3*100, 40*time.Millisecond))
	}
	data := sb.String()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A distinct source each time, or it would be a duplicate.
		src := data + fmt.Sprintf("# %d\n", i)
		if _, err := IngestLogs(context.Background(), st, m, strings.NewReader(src), "bench", accesslog.FormatALB, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
