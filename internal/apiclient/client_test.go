package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/incident"
)

func TestNew(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":        "http://127.0.0.1:8080",
		" https://kiban.example.com/x/": "https://kiban.example.com/x",
	} {
		c, err := New(in, "")
		if err != nil || c.BaseURL() != want {
			t.Errorf("New(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, bad := range []string{"", "localhost:8080", "ftp://h", "http://", "http://h/?q=1"} {
		if _, err := New(bad, ""); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
}

func TestErrors(t *testing.T) {
	var gotAuth string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/api/v1/incidents":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error": "severity \"SEV9\" is not SEV1, SEV2, SEV3 or SEV4"}`))
		case "/proxy/api/v1/incidents":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html><body>bad gateway</body></html>"))
		default:
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("not json"))
		}
	}))
	defer ts.Close()
	ctx := context.Background()

	c, _ := New(ts.URL, "kbn_secret")
	_, err := c.OpenIncident(ctx, incident.OpenRequest{Severity: "SEV9"})
	if err == nil || err.Error() != `severity "SEV9" is not SEV1, SEV2, SEV3 or SEV4 (HTTP 400)` || StatusOf(err) != 400 {
		t.Errorf("API error = %v", err)
	}
	if gotAuth != "Bearer kbn_secret" {
		t.Errorf("Authorization = %q", gotAuth)
	}
	p, _ := New(ts.URL+"/proxy", "")
	if _, err := p.Incidents(ctx, nil); err == nil || err.Error() != "Bad Gateway (HTTP 502)" {
		t.Errorf("HTML error = %v", err)
	}
	if _, err := c.Incident(ctx, 3); err == nil || !strings.Contains(err.Error(), "not the JSON expected") {
		t.Errorf("bad JSON = %v", err)
	}

	anon, _ := New(ts.URL, "")
	if _, err := anon.UpdateIncident(ctx, 1, incident.Patch{}); !errors.Is(err, ErrNoToken) {
		t.Errorf("change without a token = %v", err)
	}

	ts.Close()
	_, err = c.Incidents(ctx, nil)
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "cannot reach the kiban server at "+ts.URL) ||
		!strings.Contains(err.Error(), "kiban serve") || strings.Contains(err.Error(), "kbn_secret") {
		t.Errorf("unreachable = %v", err)
	}
}

func TestParseIncidentID(t *testing.T) {
	for in, want := range map[string]int64{"3": 3, "INC-3": 3, "inc-12": 12, " 7 ": 7} {
		if got, err := ParseIncidentID(in); err != nil || got != want {
			t.Errorf("ParseIncidentID(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "INC-", "0", "-1", "three", "INC-x"} {
		if _, err := ParseIncidentID(bad); err == nil {
			t.Errorf("ParseIncidentID(%q) succeeded", bad)
		}
	}
}
