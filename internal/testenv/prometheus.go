package testenv

import (
	"os"
	"os/exec"
	"testing"
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
