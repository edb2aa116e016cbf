package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// AmtoolEnv names the path of Alertmanager's amtool.
const AmtoolEnv = "KIBAN_TEST_AMTOOL"

// Amtool returns the path of amtool (Debian's prometheus-alertmanager
// package, which make test installs): $KIBAN_TEST_AMTOOL, else amtool on
// PATH. If there is none, it skips t, or fails it when CI=true.
func Amtool(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(AmtoolEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("testenv: %s=%q: %v", AmtoolEnv, p, err)
		}
		return path
	}
	if path, err := exec.LookPath("amtool"); err == nil {
		return path
	}
	unavailable(t, "no amtool found: set "+AmtoolEnv+", install Debian's prometheus-alertmanager package, or run `make test`")
	return ""
}
