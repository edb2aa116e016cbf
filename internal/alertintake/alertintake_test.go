package alertintake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/ownership"
)

func parseFile(t *testing.T, name string) *Message {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

func resolver(t *testing.T) *ownership.Resolver {
	t.Helper()
	c, err := catalog.Load(context.Background(), "../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	return ownership.New(c)
}

func TestParseCaptures(t *testing.T) {
	type alert struct{ Fingerprint, Status, GeneratorURL string }
	for _, c := range []struct {
		file      string
		group     string
		truncated int
		alerts    []alert
	}{
		{"webhook-v4-firing-2-alerts.json", "firing", 0, []alert{
			{"15fa5e1381b5fb35", "firing", "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"},
			{"0ae4f84e68c4f85c", "firing", "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"},
		}},
		// The group still fires; each alert has its own status.
		{"webhook-v4-mixed-1-resolved-1-firing.json", "firing", 0, []alert{
			{"15fa5e1381b5fb35", "resolved", "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"},
			{"0ae4f84e68c4f85c", "firing", "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"},
		}},
		{"webhook-v4-resolved.json", "resolved", 0, []alert{
			{"0ae4f84e68c4f85c", "resolved", "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"},
		}},
		{"webhook-v4-truncated-max_alerts-1.json", "firing", 2, []alert{{"d36d9a45a75805fe", "firing", ""}}},
		{"webhook-v4-amtool-no-generatorURL.json", "firing", 0, []alert{{"2644f090a583fdd4", "firing", ""}}},
	} {
		t.Run(c.file, func(t *testing.T) {
			m := parseFile(t, c.file)
			if m.Status != c.group || m.TruncatedAlerts != c.truncated || m.GroupKey == "" || m.Receiver != "sre-platform" || m.ExternalURL == "" {
				t.Errorf("group: status %q truncated %d groupKey %q receiver %q externalURL %q", m.Status, m.TruncatedAlerts, m.GroupKey, m.Receiver, m.ExternalURL)
			}
			var got []alert
			for _, a := range m.Alerts {
				got = append(got, alert{a.Fingerprint, a.Status, a.GeneratorURL})
				if a.Status == "firing" && a.EndsAt != nil {
					t.Errorf("%s: firing with endsAt %v; want none (zero time)", a.Fingerprint, a.EndsAt)
				}
				if a.Status == "resolved" && a.EndsAt == nil {
					t.Errorf("%s: resolved without endsAt", a.Fingerprint)
				}
			}
			if diff := cmp.Diff(c.alerts, got); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	ok := `{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-21T23:13:59Z","fingerprint":"f1"}`
	for _, c := range []struct{ name, body, want string }{
		{"not JSON", `{"version":"4",`, "not JSON"},
		{"trailing", `{"version":"4","alerts":[]} {}`, "after the JSON"},
		{"no version", `{"alerts":[` + ok + `]}`, `version ""`},
		{"version 3", `{"version":"3","alerts":[` + ok + `]}`, `version "3"`},
		{"no alerts", `{"version":"4"}`, "missing alerts"},
		{"no labels", `{"version":"4","alerts":[` + ok + `,{"status":"firing","startsAt":"2026-11-21T23:13:59Z","fingerprint":"f2"}]}`, "alerts[1]: missing labels"},
		{"no startsAt", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"fingerprint":"f2"}]}`, "alerts[0]: missing startsAt"},
		{"no fingerprint", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-21T23:13:59Z"}]}`, "alerts[0]: missing fingerprint"},
		{"no status", `{"version":"4","alerts":[{"labels":{"a":"b"},"startsAt":"2026-11-21T23:13:59Z","fingerprint":"f"}]}`, `alerts[0]: status ""`},
		{"bad status", `{"version":"4","alerts":[{"status":"pending","labels":{"a":"b"},"startsAt":"2026-11-21T23:13:59Z","fingerprint":"f"}]}`, `status "pending"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.body))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v; want ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

func TestParseDuplicateFingerprint(t *testing.T) {
	m, err := Parse(strings.NewReader(`{"version":"4","alerts":[
		{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-21T23:13:59Z","fingerprint":"f"},
		{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-11-21T23:13:59Z","endsAt":"2026-11-21T23:15:00Z","fingerprint":"f"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Alerts) != 1 || m.Alerts[0].Status != "resolved" {
		t.Errorf("alerts = %+v; want the last one only", m.Alerts)
	}
}

func TestResolve(t *testing.T) {
	res := resolver(t)
	for _, c := range []struct {
		labels map[string]string
		want   Owner
	}{
		{map[string]string{"service": "checkout", "team": "payments"}, Owner{Service: "checkout", Team: "shop-checkout"}},
		{map[string]string{"sloth_service": "search"}, Owner{Service: "search", Team: "shop-discovery"}},
		// An unknown service falls through to sloth_service, then team.
		{map[string]string{"service": "nope", "sloth_service": "search"}, Owner{Service: "search", Team: "shop-discovery"}},
		{map[string]string{"service": "nope", "team": "sre"}, Owner{Team: "sre"}},
		{map[string]string{"team": "sre"}, Owner{Team: "sre"}},
		// The matchers checkout declares (namespace="checkout") win over a
		// team label.
		{map[string]string{"alertname": "KubePodCrashLooping", "namespace": "checkout", "team": "sre"}, Owner{Service: "checkout", Team: "shop-checkout"}},
		{map[string]string{"service": "demo", "team": "nobody"}, Owner{Unowned: true}},
		{map[string]string{"alertname": "X"}, Owner{Unowned: true}},
	} {
		if got := Resolve(res, c.labels); got != c.want {
			t.Errorf("Resolve(%v) = %+v; want %+v", c.labels, got, c.want)
		}
	}
}

func TestDelivery(t *testing.T) {
	m := parseFile(t, "webhook-v4-mixed-1-resolved-1-firing.json")
	d := Delivery(m, resolver(t), "token:am")
	if d.Status != "firing" || d.Actor != "token:am" || len(d.Alerts) != 2 {
		t.Fatalf("delivery = %+v", d)
	}
	a := d.Alerts[0]
	if a.Status != "resolved" || a.EndsAt == nil || a.Service != "checkout" || a.Team != "shop-checkout" || a.AlertName != "HighErrorRate" || a.Unowned {
		t.Errorf("alerts[0] = %+v", a)
	}
	m = parseFile(t, "webhook-v4-amtool-no-generatorURL.json")
	d = Delivery(m, resolver(t), "token:am")
	if a := d.Alerts[0]; !a.Unowned || a.GeneratorURL != "" || a.Annotations["summary"] != "posted by amtool" {
		t.Errorf("amtool alert = %+v", a)
	}
}
