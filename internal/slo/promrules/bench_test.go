package promrules

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/catalog"
)

// sloFiles returns n Sloth-format files of 10 SLOs each, with page and
// ticket alerts, as the benchmark of kiban slo rules reads them.
func sloFiles(n int) []catalog.File {
	files := make([]catalog.File, n)
	for f := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "version: \"prometheus/v1\"\nservice: \"svc%03d\"\nlabels:\n  owner: \"team%02d\"\nslos:\n", f, f%10)
		for i := range 10 {
			fmt.Fprintf(&b, `  - name: "slo%d"
    objective: 99.9
    description: "SLO %d of service %d."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="svc%03d",handler="/h%d",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="svc%03d",handler="/h%d"}[{{.window}}]))
    alerting:
      name: Svc%03dSlo%d
      labels: {category: availability}
      annotations: {summary: "High error rate"}
      page_alert: {labels: {severity: page}}
      ticket_alert: {labels: {severity: ticket}}
`, i, i, f, f, i, f, i, f, i)
		}
		files[f] = catalog.File{Name: fmt.Sprintf("svc%03d.yml", f), Data: []byte(b.String())}
	}
	return files
}

func BenchmarkLoad1000(b *testing.B) {
	files := sloFiles(100)
	for b.Loop() {
		if _, err := catalog.Parse(context.Background(), files); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate1000(b *testing.B) {
	c, err := catalog.Parse(context.Background(), sloFiles(100))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Generate(c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal1000(b *testing.B) {
	c, err := catalog.Parse(context.Background(), sloFiles(100))
	if err != nil {
		b.Fatal(err)
	}
	slos, err := Generate(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Marshal(slos, FormatPrometheus, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck1000(b *testing.B) {
	c, err := catalog.Parse(context.Background(), sloFiles(100))
	if err != nil {
		b.Fatal(err)
	}
	slos, err := Generate(c, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := Check(slos); err != nil {
			b.Fatal(err)
		}
	}
}
