package testenv

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PrometheusEnv names the path of the Prometheus server binary.
const PrometheusEnv = "KIBAN_TEST_PROMETHEUS"

// Prometheus returns the path of the Prometheus server: $KIBAN_TEST_PROMETHEUS,
// else prometheus on PATH (Debian's prometheus package, which make test
// installs for promtool). If there is none, it skips t, or fails it when
// CI=true.
func Prometheus(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(PrometheusEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("testenv: %s=%q: %v", PrometheusEnv, p, err)
		}
		return path
	}
	if path, err := exec.LookPath("prometheus"); err == nil {
		return path
	}
	unavailable(t, "no prometheus found: set "+PrometheusEnv+", install Debian's prometheus package, or run `make test`")
	return ""
}

// StartPrometheus runs a Prometheus server on loopback for the life of t,
// with a rule file and a scrape of the given targets every second (rules
// are evaluated every second too; labels of the targets are kept). It
// returns the server's URL.
func StartPrometheus(t testing.TB, rules []byte, targets ...string) string {
	t.Helper()
	bin := Prometheus(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	var quoted []string
	for _, tg := range targets {
		quoted = append(quoted, strconv.Quote(tg))
	}
	cfg := "global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [rules.yaml]\nscrape_configs:\n" +
		"  - job_name: exporter\n    honor_labels: true\n    static_configs: [{targets: [" + strings.Join(quoted, ", ") + "]}]\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", b)
		}
	})
	return "http://" + addr
}

// RequestsExporter serves, for a Prometheus to scrape, two counters of an
// HTTP service "checkout" growing from zero at 100 good and 1 failed
// request per second:
//
//	http_requests_total{job="checkout",code="200"}
//	http_requests_total{job="checkout",code="500"}
//
// Its error ratio is 1/101 over any window. It returns host:port.
func RequestsExporter(t testing.TB) string {
	t.Helper()
	start := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := time.Since(start).Seconds()
		fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{job=\"checkout\",code=\"200\"} %f\nhttp_requests_total{job=\"checkout\",code=\"500\"} %f\n", 100*s, s)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
