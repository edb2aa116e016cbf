package amconfig

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/testenv"
)

// TestAmtool generates the configuration of examples/acme with one
// hand-written pager receiver, and has a real amtool check it and resolve
// routes for label sets.
func TestAmtool(t *testing.T) {
	amtool := testenv.Amtool(t)
	c, err := catalog.Load(context.Background(), "../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pagers := filepath.Join(dir, "pagers.yaml")
	if err := os.WriteFile(pagers, []byte(`- name: shop-checkout-pager
  pagerduty_configs:
    - routing_key: 0123456789abcdef0123456789abcdef
`), 0o644); err != nil {
		t.Fatal(err)
	}
	receivers, err := ReadReceivers(pagers)
	if err != nil {
		t.Fatal(err)
	}
	for _, kiban := range []string{"", "https://kiban.example.com/"} {
		t.Run("kiban="+kiban, func(t *testing.T) { testAmtool(t, amtool, c, receivers, kiban) })
	}
	if _, err := Generate(c, Options{FallbackTeam: "nobody"}); err == nil {
		t.Error("an unknown fallback team is accepted")
	}
	if _, err := Generate(c, Options{KibanURL: "kiban:8080"}); err == nil {
		t.Error("a kiban URL without a scheme is accepted")
	}
}

// testAmtool checks one generated configuration with amtool; with a kiban
// URL every alert also goes to kiban's webhook.
func testAmtool(t *testing.T, amtool string, c *catalog.Catalog, receivers []map[string]any, kiban string) {
	dir := t.TempDir()
	cfg, err := Generate(c, Options{FallbackTeam: "sre", Receivers: receivers, KibanURL: kiban})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(amtool, "check-config", path).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	tests := []struct {
		labels []string
		want   string
	}{
		{[]string{"team=shop-checkout", "sloth_severity=page"}, "shop-checkout-pager"},
		{[]string{"team=shop-checkout", "severity=critical"}, "shop-checkout-pager"},
		{[]string{"team=shop-checkout", "sloth_severity=ticket"}, "shop-checkout-ticket"},
		{[]string{"team=sre", "severity=page"}, "sre-pager"},
		{[]string{"team=membership-rewards", "severity=page"}, "membership-rewards-page"},
		{[]string{"team=nobody", "severity=page"}, "unowned"},
		{[]string{"alertname=Watchdog"}, "unowned"},
	}
	for _, tt := range tests {
		args := append([]string{"config", "routes", "test", "--config.file=" + path}, tt.labels...)
		out, err := exec.Command(amtool, args...).Output() // stderr has a harmless warning
		if kiban != "" {
			tt.want = "kiban," + tt.want
		}
		if got := strings.TrimSpace(string(out)); err != nil || got != tt.want {
			t.Errorf("route %v = %q (%v); want %q", tt.labels, got, err, tt.want)
		}
	}
	// The hand-written receiver replaced the generated one; the others post
	// to the team's channel from the secret file named by webhookEnv.
	s := string(data)
	for _, want := range []string{"routing_key: 0123456789abcdef0123456789abcdef", "api_url_file: /etc/alertmanager/secrets/KIBAN_WEBHOOK_SHOP_CHECKOUT", `channel: "#team-checkout"`} {
		if !strings.Contains(s, want) {
			t.Errorf("configuration lacks %q", want)
		}
	}
	if kiban != "" {
		for _, want := range []string{"url: https://kiban.example.com/api/v1/alertmanager", "credentials_file: /etc/alertmanager/secrets/kiban-token"} {
			if !strings.Contains(s, want) {
				t.Errorf("configuration lacks %q", want)
			}
		}
	}
}
