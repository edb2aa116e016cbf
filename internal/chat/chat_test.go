package chat

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

const org = `apiVersion: kiban.dev/v1
kind: Team
metadata: {name: web}
spec:
  chat: {webhookEnv: TEST_WEBHOOK_WEB}
---
apiVersion: kiban.dev/v1
kind: Team
metadata: {name: quiet}
spec: {email: quiet@example.com}
`

func TestQueueAndDispatch(t *testing.T) {
	ctx := t.Context()
	c, err := catalog.Parse(ctx, []catalog.File{{Name: "org.yaml", Data: []byte(org)}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kiban.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return now })

	queue := func(team, dedup, text string) bool {
		t.Helper()
		var ok bool
		err := st.InTx(ctx, func(tx *store.Tx) error {
			var err error
			ok, err = Queue(ctx, tx, c, team, "test", dedup, notify.Message{Text: text})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, tc := range []struct {
		team, dedup string
		want        bool
	}{
		{"web", "", true},
		{"web", "once", true},
		{"web", "once", false}, // the same key again
		{"quiet", "", false},   // no webhook
		{"nobody", "", false},  // not in the catalog
	} {
		if got := queue(tc.team, tc.dedup, tc.team+" "+tc.dedup); got != tc.want {
			t.Errorf("Queue(%s, %q) = %v; want %v", tc.team, tc.dedup, got, tc.want)
		}
	}

	var mu sync.Mutex
	var got []string
	answers := []int{http.StatusInternalServerError}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		if len(answers) > 0 {
			w.WriteHeader(answers[0])
			answers = answers[1:]
			return
		}
		got = append(got, string(body))
	}))
	defer srv.Close()
	d := &Dispatcher{Store: st, Catalog: func() *catalog.Catalog { return c }, Now: func() time.Time { return now },
		Getenv: func(k string) string {
			if k == "TEST_WEBHOOK_WEB" {
				return srv.URL
			}
			return ""
		}}
	// The first delivery fails (500): retried after 30 s, then both go.
	if n := d.Flush(ctx); n != 1 {
		t.Errorf("first flush sent %d; want 1 (the other got a 500)", n)
	}
	now = now.Add(31 * time.Second)
	if n := d.Flush(ctx); n != 1 {
		t.Errorf("retry sent %d; want 1", n)
	}
	if n := d.Flush(ctx); n != 0 {
		t.Errorf("a sent message went again (%d)", n)
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got, " "), `"text":"web once"`) {
		t.Errorf("received %q", got)
	}
}
