package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAlertJSON: Alert round-trips the bodies real Alertmanager clients
// post (testdata/README.md), so its field names and times match the API.
func TestAlertJSON(t *testing.T) {
	for _, name := range []string{"api-v2-post-alerts-firing.json", "api-v2-post-alerts-resolve.json"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var alerts []Alert
			if err := json.Unmarshal(raw, &alerts); err != nil {
				t.Fatal(err)
			}
			if len(alerts) == 0 || alerts[0].Labels["alertname"] != "HighErrorRate" || alerts[0].StartsAt.IsZero() {
				t.Fatalf("decoded %+v", alerts)
			}
			back, err := json.Marshal(alerts)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			json.Unmarshal(raw, &want)
			json.Unmarshal(back, &got)
			// Times come back as RFC 3339 without the trailing .000.
			norm := func(v any) any {
				for _, a := range v.([]any) {
					m := a.(map[string]any)
					for _, k := range []string{"startsAt", "endsAt"} {
						if s, ok := m[k].(string); ok {
							tm, _ := time.Parse(time.RFC3339Nano, s)
							m[k] = tm.UTC().Format(time.RFC3339)
						}
					}
				}
				return v
			}
			if d := cmp.Diff(norm(want), norm(got)); d != "" {
				t.Errorf("round trip (-captured +ours):\n%s", d)
			}
		})
	}
	// A firing alert without an end leaves endsAt out, as the captures do.
	b, _ := json.Marshal(Alert{Labels: map[string]string{"alertname": "x"}, StartsAt: time.Unix(0, 0).UTC()})
	if strings.Contains(string(b), "endsAt") {
		t.Errorf("zero endsAt is sent: %s", b)
	}
}

type request struct {
	path, contentType string
	body              []byte
}

func recorder(t *testing.T, status int, answer string) (*httptest.Server, func() []request) {
	var mu sync.Mutex
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, request{r.Method + " " + r.URL.Path, r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []request {
		mu.Lock()
		defer mu.Unlock()
		return append([]request(nil), got...)
	}
}

func TestAlertmanagerSend(t *testing.T) {
	srv, got := recorder(t, http.StatusOK, "")
	am, err := NewAlertmanager(srv.URL+"/prefix/", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	alerts := []Alert{{Labels: map[string]string{"alertname": "A", "team": "shop"}, Annotations: map[string]string{"summary": "s"},
		StartsAt: start, EndsAt: start.Add(4 * time.Minute), GeneratorURL: "http://kiban/slos/a"}}
	if err := am.Send(context.Background(), alerts); err != nil {
		t.Fatal(err)
	}
	if err := am.Send(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	r := got()
	if len(r) != 1 || r[0].path != "POST /prefix/api/v2/alerts" || r[0].contentType != "application/json" {
		t.Fatalf("requests = %+v; want one POST /prefix/api/v2/alerts", r)
	}
	want := `[{"labels":{"alertname":"A","team":"shop"},"annotations":{"summary":"s"},"startsAt":"2026-11-22T12:00:00Z","endsAt":"2026-11-22T12:04:00Z","generatorURL":"http://kiban/slos/a"}]`
	if string(r[0].body) != want {
		t.Errorf("body = %s\nwant   %s", r[0].body, want)
	}
}

func TestAlertmanagerErrors(t *testing.T) {
	// Alertmanager's answer to an alert without labels (see the captures).
	srv, _ := recorder(t, http.StatusUnprocessableEntity, `{"code":602,"message":"0.labels in body is required"}`)
	am, _ := NewAlertmanager(srv.URL, nil)
	err := am.Send(context.Background(), []Alert{{}})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 422 || !strings.Contains(err.Error(), "labels in body is required") || !Permanent(err) {
		t.Errorf("err = %v; want a permanent HTTP 422 with Alertmanager's message", err)
	}
	srv5, _ := recorder(t, http.StatusServiceUnavailable, "")
	am5, _ := NewAlertmanager(srv5.URL, nil)
	if err := am5.Send(context.Background(), []Alert{{}}); err == nil || Permanent(err) {
		t.Errorf("503: err = %v; want a temporary error", err)
	}
	for _, bad := range []string{"", "alertmanager:9093", "ftp://x", "http://"} {
		if _, err := NewAlertmanager(bad, nil); err == nil {
			t.Errorf("NewAlertmanager(%q) accepted", bad)
		}
	}
	am, _ = NewAlertmanager("http://kiban:s3cret@127.0.0.1:1", nil)
	if s := am.String(); strings.Contains(s, "s3cret") {
		t.Errorf("String() = %q shows the password", s)
	}
	if err := am.Send(context.Background(), []Alert{{}}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v; want a connection error without the password", err)
	}
}

func TestWebhookSend(t *testing.T) {
	srv, got := recorder(t, http.StatusOK, "ok")
	m := Message{Text: "fallback", Blocks: []Block{
		Header("Checkout availability"),
		Section("*burning*", "*Severity*\npage"),
		Context("team " + Escape("<shop & co>")),
		Actions(LinkButton("Open SLO", "http://kiban/slos/x", "primary")),
	}}
	if err := (&Webhook{}).Send(context.Background(), srv.URL+"/services/T000/B000/XXXX", m); err != nil {
		t.Fatal(err)
	}
	r := got()
	if len(r) != 1 || r[0].path != "POST /services/T000/B000/XXXX" || r[0].contentType != "application/json" {
		t.Fatalf("requests = %+v", r)
	}
	want := `{"text":"fallback","blocks":[` +
		`{"type":"header","text":{"type":"plain_text","text":"Checkout availability"}},` +
		`{"type":"section","text":{"type":"mrkdwn","text":"*burning*"},"fields":[{"type":"mrkdwn","text":"*Severity*\npage"}]},` +
		`{"type":"context","elements":[{"type":"mrkdwn","text":"team &lt;shop &amp; co&gt;"}]},` +
		`{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Open SLO"},"url":"http://kiban/slos/x","style":"primary"}]}]}`
	if string(r[0].body) != want {
		t.Errorf("body = %s\nwant   %s", r[0].body, want)
	}
}

// TestWebhookSecret: the webhook URL is a secret and no error quotes it.
func TestWebhookSecret(t *testing.T) {
	const secret = "T0SECRET/B0SECRET/XXXXSECRET"
	srv, _ := recorder(t, http.StatusNotFound, "no_service")
	err := (&Webhook{}).Send(context.Background(), srv.URL+"/services/"+secret, Message{Text: "x"})
	if err == nil || !Permanent(err) || !strings.Contains(err.Error(), "no_service") {
		t.Errorf("404: err = %v; want a permanent error with Slack's code", err)
	}
	for _, u := range []string{
		"http://127.0.0.1:1/services/" + secret,       // connection refused
		"http://bad host/services/" + secret,          // unparsable
		"hooks.slack.com/services/" + secret,          // not absolute
		"http://127.0.0.1:1/services/" + secret + "%", // bad escape
	} {
		err := (&Webhook{}).Send(context.Background(), u, Message{Text: "x"})
		if err == nil {
			t.Errorf("sent to %q", u)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error quotes the webhook URL: %v", err)
		}
	}
}

func TestLinkAndTruncate(t *testing.T) {
	if got := Link("http://x/a|b>", "a <b>"); got != "<http://x/a%7Cb%3E|a &lt;b&gt;>" {
		t.Errorf("Link = %q", got)
	}
	if got := Header(strings.Repeat("é", 200)).Text.Text; len([]rune(got)) != 150 || !strings.HasSuffix(got, "…") {
		t.Errorf("header not truncated to 150 runes: %d", len([]rune(got)))
	}
}
