package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"kiban.dev/kiban/internal/store"
)

// sessionReq is one request of the session tests, sent without following
// redirects so that 303s and their cookies can be looked at.
type sessionReq struct {
	method, path string
	form         url.Values // sent as application/x-www-form-urlencoded
	cookie       string     // the kiban_session cookie's value, if any
	bearer       string     // an Authorization: Bearer token, if any
	header       map[string]string
}

type sessionResp struct {
	code     int
	location string
	body     string
	cookies  []*http.Cookie
}

// session returns the Set-Cookie of kiban_session, or nil.
func (r sessionResp) session() *http.Cookie {
	for _, c := range r.cookies {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func sessionDo(t *testing.T, base string, q sessionReq) sessionResp {
	t.Helper()
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	req, err := http.NewRequest(q.method, base+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if q.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: q.cookie})
	}
	if q.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+q.bearer)
	}
	for k, v := range q.header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return sessionResp{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b), cookies: resp.Cookies()}
}

// sessionAudit lists the audit entries of sessions, oldest first, as
// "actor action target".
func sessionAudit(t *testing.T, e *env) []string {
	t.Helper()
	entries, err := e.store.ListAudit(context.Background(), store.AuditQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		if x := entries[i]; strings.HasPrefix(x.Action, "session.") {
			out = append(out, x.Actor+" "+x.Action+" "+x.Target)
		}
	}
	return out
}

func TestLogin(t *testing.T) {
	forEachStore(t, "../../examples/acme", testLogin)
}

func testLogin(t *testing.T, e *env) {
	editor := e.token(t, store.RoleEditor)
	revoked, tok, err := e.store.CreateToken(context.Background(), "gone", store.RoleAdmin, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeToken(context.Background(), tok.ID, "test"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		token, next  string
		header       map[string]string
		wantCode     int
		wantLocation string
		wantBody     string // on a refusal
		wantSecure   bool
	}{
		{name: "no next", token: editor, wantCode: 303, wantLocation: "/services"},
		{name: "local next", token: editor, next: "/slos/checkout-journey?at=2026-01-01", wantCode: 303, wantLocation: "/slos/checkout-journey?at=2026-01-01"},
		{name: "token with spaces around", token: "  " + editor + "\n", next: "/teams", wantCode: 303, wantLocation: "/teams"},
		{name: "behind TLS proxy", token: editor, header: map[string]string{"X-Forwarded-Proto": "https"}, wantCode: 303, wantLocation: "/services", wantSecure: true},
		{name: "open redirect //", token: editor, next: "//evil.example", wantCode: 303, wantLocation: "/services"},
		{name: "open redirect //path", token: editor, next: "//evil.example/services", wantCode: 303, wantLocation: "/services"},
		{name: "open redirect backslash", token: editor, next: `/\evil.example`, wantCode: 303, wantLocation: "/services"},
		{name: "absolute URL", token: editor, next: "https://evil.example/", wantCode: 303, wantLocation: "/services"},
		{name: "scheme-relative with tab", token: editor, next: "/\t/evil.example", wantCode: 303, wantLocation: "/services"},
		{name: "relative path", token: editor, next: "services", wantCode: 303, wantLocation: "/services"},
		{name: "wrong token", token: "kbn_wrong", next: "/teams", wantCode: 401, wantBody: "That token is not valid"},
		{name: "not a token", token: "hunter2", wantCode: 401, wantBody: "That token is not valid"},
		{name: "revoked token", token: revoked, wantCode: 401, wantBody: "That token is not valid"},
		{name: "empty token", token: " ", wantCode: 400, wantBody: "Paste a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"token": {tt.token}}
			if tt.next != "" {
				form.Set("next", tt.next)
			}
			audit := len(sessionAudit(t, e))
			r := sessionDo(t, e.ts.URL, sessionReq{method: "POST", path: "/login", form: form, header: tt.header})
			if r.code != tt.wantCode || r.location != tt.wantLocation {
				t.Fatalf("POST /login = %d to %q; want %d to %q:\n%s", r.code, r.location, tt.wantCode, tt.wantLocation, r.body)
			}
			c := r.session()
			if tt.wantCode != http.StatusSeeOther {
				if c != nil {
					t.Errorf("refused sign-in set a cookie: %v", c)
				}
				if !strings.Contains(r.body, tt.wantBody) || !strings.Contains(r.body, `id="login-form"`) {
					t.Errorf("refused sign-in: body lacks %q or the form:\n%s", tt.wantBody, r.body)
				}
				if strings.Contains(r.body, tt.token) && strings.TrimSpace(tt.token) != "" {
					t.Errorf("refused sign-in echoes the token")
				}
				if want := localPath(tt.next); want != "" && !strings.Contains(r.body, `name="next" value="`+want+`"`) {
					t.Errorf("refused sign-in lost next %q", want)
				}
				if got := len(sessionAudit(t, e)); got != audit {
					t.Errorf("refused sign-in was audited")
				}
				return
			}
			if c == nil {
				t.Fatalf("no %s cookie; got %v", sessionCookie, r.cookies)
			}
			if c.Value != editor || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" ||
				c.MaxAge != 12*60*60 || c.Secure != tt.wantSecure {
				t.Errorf("cookie %s: value ok %t, HttpOnly %t, SameSite %v, Path %q, MaxAge %d, Secure %t; want HttpOnly, Strict, /, 43200, Secure %t",
					c.Name, c.Value == editor, c.HttpOnly, c.SameSite, c.Path, c.MaxAge, c.Secure, tt.wantSecure)
			}
			if got := sessionAudit(t, e); len(got) != audit+1 || got[len(got)-1] != "token:test-editor session.create token/test-editor" {
				t.Errorf("audit after sign-in: %q; want one more session.create", got)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	tests := []struct {
		name, path, cookie string
		want, not          []string
	}{
		{"form", "/login", "", []string{`id="login-form"`, `name="token"`, `type="password"`, "<title>Sign in · kiban</title>"}, []string{`name="next"`, `id="login-current"`}},
		{"next kept", "/login?next=%2Fslos%3Fat%3Dx", "", []string{`name="next" value="/slos?at=x"`}, nil},
		{"next to another site dropped", "/login?next=%2F%2Fevil.example", "", []string{`id="login-form"`}, []string{`name="next"`, "evil.example"}},
		{"signed in", "/login", editor, []string{`id="login-current"`, "test-editor", `action="/logout"`}, nil},
		{"stale cookie", "/login", "kbn_stale", []string{`id="login-form"`}, []string{`id="login-current"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sessionDo(t, e.ts.URL, sessionReq{method: "GET", path: tt.path, cookie: tt.cookie})
			if r.code != http.StatusOK {
				t.Fatalf("GET %s = %d:\n%s", tt.path, r.code, r.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("GET %s: body lacks %q", tt.path, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.body, n) {
					t.Errorf("GET %s: body has %q", tt.path, n)
				}
			}
			if r.session() != nil {
				t.Errorf("GET %s set a cookie", tt.path)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	for _, cookie := range []string{editor, "", "kbn_stale"} {
		r := sessionDo(t, e.ts.URL, sessionReq{method: "POST", path: "/logout", cookie: cookie})
		if r.code != http.StatusSeeOther || r.location != "/login" {
			t.Fatalf("POST /logout with %q = %d to %q; want 303 to /login", cookie, r.code, r.location)
		}
		c := r.session()
		if c == nil || c.Value != "" || c.MaxAge >= 0 || c.Path != "/" {
			t.Errorf("POST /logout with %q: cookie %v; want it cleared (empty, Max-Age=0, Path=/)", cookie, c)
		}
	}
	if got, want := sessionAudit(t, e), []string{"token:test-editor session.delete token/test-editor"}; !cmp.Equal(got, want) {
		t.Errorf("audit after logouts = %q; want %q", got, want)
	}
	if r := sessionDo(t, e.ts.URL, sessionReq{method: "GET", path: "/logout"}); r.code != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout = %d; want 405", r.code)
	}
}

// TestSessionRequireUI serves a handler wrapped with requireUI (as the
// lead's form endpoints will be) and checks who gets through.
func TestSessionRequireUI(t *testing.T) {
	forEachStore(t, "../../examples/acme", testSessionRequireUI)
}

func testSessionRequireUI(t *testing.T, e *env) {
	viewer, editor, admin := e.token(t, store.RoleViewer), e.token(t, store.RoleEditor), e.token(t, store.RoleAdmin)
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/edit", e.srv.requireUI(store.RoleEditor, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, "actor="+actor(r.Context()))
	}))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	tests := []struct {
		name, method, cookie, bearer string
		wantCode                     int
		wantLocation                 string
		wantBody                     string
		wantCleared                  bool // the response drops the session cookie
	}{
		{name: "GET without session", method: "GET", wantCode: 303, wantLocation: "/login?next=%2Fedit%3Fx%3D1"},
		{name: "HEAD without session", method: "HEAD", wantCode: 303, wantLocation: "/login?next=%2Fedit%3Fx%3D1"},
		{name: "POST without session", method: "POST", wantCode: 401, wantBody: "Sign in to do this"},
		{name: "DELETE without session", method: "DELETE", wantCode: 401, wantBody: "Sign in to do this"},
		{name: "GET unknown session", method: "GET", cookie: "kbn_wrong", wantCode: 303, wantLocation: "/login?next=%2Fedit%3Fx%3D1", wantCleared: true},
		{name: "POST unknown session", method: "POST", cookie: "kbn_wrong", wantCode: 401, wantBody: "session has ended", wantCleared: true},
		{name: "GET viewer", method: "GET", cookie: viewer, wantCode: 403, wantBody: "this needs editor"},
		{name: "POST viewer", method: "POST", cookie: viewer, wantCode: 403, wantBody: "whose role is viewer"},
		{name: "GET editor", method: "GET", cookie: editor, wantCode: 200, wantBody: "actor=token:test-editor"},
		{name: "POST editor", method: "POST", cookie: editor, wantCode: 200, wantBody: "actor=token:test-editor"},
		{name: "POST admin", method: "POST", cookie: admin, wantCode: 200, wantBody: "actor=token:test-admin"},
		{name: "POST bearer editor", method: "POST", bearer: editor, wantCode: 200, wantBody: "actor=token:test-editor"},
		{name: "bearer wins over cookie", method: "POST", cookie: viewer, bearer: admin, wantCode: 200, wantBody: "actor=token:test-admin"},
		{name: "POST bearer wrong", method: "POST", bearer: "kbn_wrong", wantCode: 401, wantBody: "invalid or revoked token"},
		{name: "GET bearer wrong", method: "GET", bearer: "kbn_wrong", wantCode: 401, wantBody: "invalid or revoked token"},
		{name: "POST bearer viewer", method: "POST", bearer: viewer, wantCode: 403, wantBody: "this needs editor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			r := sessionDo(t, ts.URL, sessionReq{method: tt.method, path: "/edit?x=1", cookie: tt.cookie, bearer: tt.bearer})
			if r.code != tt.wantCode || r.location != tt.wantLocation {
				t.Fatalf("%s /edit = %d to %q; want %d to %q:\n%s", tt.method, r.code, r.location, tt.wantCode, tt.wantLocation, r.body)
			}
			if !strings.Contains(r.body, tt.wantBody) {
				t.Errorf("%s /edit: body lacks %q:\n%s", tt.method, tt.wantBody, r.body)
			}
			ran := calls.Load() != before
			if want := tt.wantCode == http.StatusOK; ran != want {
				t.Errorf("%s /edit: handler ran %t; want %t", tt.method, ran, want)
			}
			c := r.session()
			if cleared := c != nil && c.MaxAge < 0; cleared != tt.wantCleared {
				t.Errorf("%s /edit: session cookie cleared %t; want %t", tt.method, cleared, tt.wantCleared)
			}
		})
	}
}

func TestSessionViewer(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	for _, tt := range []struct {
		cookie, bearer string
		want           string // token name, or "" for none
	}{
		{cookie: editor, want: "test-editor"},
		{},
		{cookie: "kbn_wrong"},
		{cookie: "not-a-token"},
		{bearer: editor}, // viewer reads the session cookie only
	} {
		r := httptest.NewRequest("GET", "/services", nil)
		if tt.cookie != "" {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tt.cookie})
		}
		if tt.bearer != "" {
			r.Header.Set("Authorization", "Bearer "+tt.bearer)
		}
		tok, ok := e.srv.viewer(r)
		if ok != (tt.want != "") || tok.Name != tt.want {
			t.Errorf("viewer with cookie %q, bearer %t = %q, %t; want %q", tt.cookie, tt.bearer != "", tok.Name, ok, tt.want)
		}
		if got := e.srv.signedIn(r); got != tt.want {
			t.Errorf("signedIn with cookie %q = %q; want %q", tt.cookie, got, tt.want)
		}
	}
	r := httptest.NewRequest("GET", "/services", nil)
	r = r.WithContext(context.WithValue(r.Context(), tokenKey, store.Token{Name: "from-context"}))
	if got := e.srv.signedIn(r); got != "from-context" {
		t.Errorf("signedIn with a token in the context = %q; want from-context", got)
	}
}

// TestSessionCrossOrigin checks the CSRF protection around the whole
// server: a browser's cross-origin POST is refused, while same-origin
// browser requests and clients that send no Origin or Sec-Fetch-Site (curl,
// Alertmanager) get through.
func TestSessionCrossOrigin(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	login := url.Values{"token": {editor}}
	tests := []struct {
		name     string
		req      sessionReq
		wantCode int
	}{
		{"cross-site POST /login", sessionReq{method: "POST", path: "/login", form: login, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"same-site POST /login", sessionReq{method: "POST", path: "/login", form: login, header: map[string]string{"Sec-Fetch-Site": "same-site"}}, 403},
		{"foreign Origin POST /login", sessionReq{method: "POST", path: "/login", form: login, header: map[string]string{"Origin": "https://evil.example"}}, 403},
		{"cross-site POST /logout", sessionReq{method: "POST", path: "/logout", cookie: editor, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"cross-site POST with a bearer token", sessionReq{method: "POST", path: "/-/reload", bearer: editor, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403},
		{"same-origin POST /login", sessionReq{method: "POST", path: "/login", form: login, header: map[string]string{"Sec-Fetch-Site": "same-origin"}}, 303},
		{"own Origin POST /login", sessionReq{method: "POST", path: "/login", form: login, header: map[string]string{"Origin": e.ts.URL}}, 303},
		{"curl POST /login", sessionReq{method: "POST", path: "/login", form: login}, 303},
		{"curl POST /-/reload", sessionReq{method: "POST", path: "/-/reload", bearer: editor}, 200},
		{"cross-site GET", sessionReq{method: "GET", path: "/services", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 200},
		{"cross-site GET /login", sessionReq{method: "GET", path: "/login", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audit := e.auditCount(t)
			r := sessionDo(t, e.ts.URL, tt.req)
			if r.code != tt.wantCode {
				t.Fatalf("%s %s = %d; want %d:\n%s", tt.req.method, tt.req.path, r.code, tt.wantCode, r.body)
			}
			if tt.wantCode != http.StatusForbidden {
				return
			}
			if !strings.Contains(r.body, "cross-origin request refused") {
				t.Errorf("refusal body: %s", r.body)
			}
			if strings.HasPrefix(tt.req.path, "/-/") && !strings.HasPrefix(r.body, "{") {
				t.Errorf("refusal of %s is not JSON: %s", tt.req.path, r.body)
			}
			if r.session() != nil {
				t.Errorf("refused request set a cookie")
			}
			if got := e.auditCount(t); got != audit {
				t.Errorf("refused request was audited")
			}
		})
	}

	// An Alertmanager webhook: basic auth, a JSON body, no browser headers.
	if code, body := e.postWebhook(t, basic(editor), capture(t, "webhook-v4-firing-2-alerts.json")); code != http.StatusOK {
		t.Errorf("Alertmanager webhook = %d; want 200: %s", code, body)
	}
}

// TestSessionHeader checks the page header: a sign-in link that returns to
// the page, or the signed-in token's name and a sign-out button. It needs
// pageData.SignedIn and the layout's session block.
func TestSessionHeader(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	out := sessionDo(t, e.ts.URL, sessionReq{method: "GET", path: "/teams?x=1"})
	if !strings.Contains(out.body, `href="/login?next=%2fteams%3fx%3d1"`) || strings.Contains(out.body, `action="/logout"`) {
		t.Errorf("signed out: header lacks the sign-in link:\n%s", out.body)
	}
	in := sessionDo(t, e.ts.URL, sessionReq{method: "GET", path: "/teams", cookie: editor})
	if !strings.Contains(in.body, "<strong>test-editor</strong>") || !strings.Contains(in.body, `action="/logout"`) ||
		strings.Contains(in.body, `href="/login?next=`) {
		t.Errorf("signed in: header lacks the name and sign-out button:\n%s", in.body)
	}
}

// TestSessionBrowser signs in with a real Chromium, as a user meets it: a
// page that needs a session sends them to /login, and signing in (a
// same-origin form POST, which the CSRF protection lets through) returns to
// that page with the session cookie; signing out ends it.
func TestSessionBrowser(t *testing.T) {
	e := newEnv(t, "../../examples/acme")
	editor := e.token(t, store.RoleEditor)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /edit", e.srv.requireUI(store.RoleEditor, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><p id="who">`+actor(r.Context())+`</p>`)
	}))
	mux.Handle("/", e.srv.Handler())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	b := newBrowser(t)
	step, text, waitLoad := b.step, b.text, b.waitLoad
	step("open a page that needs a session", chromedp.Navigate(ts.URL+"/edit?x=1"), chromedp.WaitVisible(chromedp.ID("login-form")))
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := ts.URL + "/login?next=%2Fedit%3Fx%3D1"; loc != want {
		t.Errorf("redirected to %s; want %s", loc, want)
	}
	step("type the token", chromedp.SendKeys(chromedp.ID("login-token"), editor))
	shot(t, b.ctx, "login")
	waitLoad("sign in", chromedp.Click(chromedp.CSS("#login-form button")))
	if got := text("who"); got != "token:test-editor" {
		t.Fatalf("after signing in, /edit says %q; want token:test-editor", got)
	}

	step("open the sign-in page again", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("login-current")))
	if got := text("login-current"); !strings.Contains(got, "test-editor") {
		t.Errorf("signed-in notice = %q; want test-editor in it", got)
	}
	shot(t, b.ctx, "signed in")
	waitLoad("sign out", chromedp.Click(chromedp.CSS("#login-current button")))
	step("back to the sign-in page", chromedp.WaitVisible(chromedp.ID("login-form")))
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#login-current').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("still signed in after signing out")
	}
	step("the page needs a session again", chromedp.Navigate(ts.URL+"/edit"), chromedp.WaitVisible(chromedp.ID("login-form")))
}
