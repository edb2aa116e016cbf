package server

// Browser sign-in. A browser signs in by pasting an API token (the same
// tokens as the API's bearer tokens, see auth.go) into the /login form; the
// token's secret is then kept in an HttpOnly, SameSite=Strict cookie and
// sent back with every request. Handlers of HTML forms that change state
// are wrapped with requireUI, which takes that cookie (or a bearer header)
// the way require takes a bearer header.
//
// Cross-site request forgery is refused for the whole server by
// protectCrossOrigin (net/http's CrossOriginProtection): a browser's
// non-safe request from another origin answers 403 before any handler runs,
// while clients that send neither Sec-Fetch-Site nor Origin (curl,
// Alertmanager, scripts) are not affected.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kiban.dev/kiban/internal/store"
)

const (
	// sessionCookie holds the secret of the token a browser signed in with.
	sessionCookie = "kiban_session"
	// sessionMaxAge is how long a browser keeps the cookie. It bounds a
	// session in the browser only: the token itself stays valid until it is
	// revoked.
	sessionMaxAge = 12 * time.Hour
	// maxLoginForm bounds the body of POST /login.
	maxLoginForm = 16 << 10
)

// loginPage is the data of the login template.
type loginPage struct {
	// Next is where to go after signing in: a local path, or empty.
	Next string
	// Error says why the last attempt, or the request that led here, was
	// refused.
	Error string
	// SignedIn and Role name the token this browser is signed in with, if
	// any.
	SignedIn string
	Role     store.Role
}

// viewer returns the token this browser is signed in with: the token whose
// secret the session cookie holds. It is false when there is no cookie or
// its token is unknown or revoked (or the store cannot be read); it writes
// nothing either way.
func (s *Server) viewer(r *http.Request) (store.Token, bool) {
	secret := sessionSecret(r)
	if secret == "" {
		return store.Token{}, false
	}
	tok, err := s.store.Authenticate(r.Context(), secret)
	if err != nil {
		if !errors.Is(err, store.ErrUnauthenticated) {
			s.log.Error("session: authenticate", "err", err)
		}
		return store.Token{}, false
	}
	return tok, true
}

// signedIn names the token a request is signed in with, for the page
// header: the one requireUI or open put in the context, else the session
// cookie's. It is empty when nobody is signed in.
func (s *Server) signedIn(r *http.Request) string {
	if tok, ok := tokenFrom(r.Context()); ok {
		return tok.Name
	}
	if tok, ok := s.viewer(r); ok {
		return tok.Name
	}
	return ""
}

// sessionSecret is the session cookie's value, or empty.
func sessionSecret(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// requireUI wraps the handler of an HTML page or form so that it runs only
// for a browser signed in with a token whose role allows need, with the
// token in the request's context as require puts it (so actor works).
//
//   - A request with an Authorization header is handled as require does,
//     answering 401 and 403 in JSON: it comes from a script, not a browser.
//   - No session, or one whose token is unknown or revoked: a GET or HEAD
//     is redirected (303) to /login?next=PATH, which returns here after
//     signing in; any other method answers 401 with the sign-in page, since
//     what it was sending cannot be replayed.
//   - A token whose role is too small answers 403 with the sign-in page,
//     which says which role is needed.
func (s *Server) requireUI(need store.Role, h http.HandlerFunc) http.HandlerFunc {
	api := s.require(need, h)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			api(w, r)
			return
		}
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead
		secret := sessionSecret(r)
		var tok store.Token
		err := store.ErrUnauthenticated
		if secret != "" {
			tok, err = s.store.Authenticate(r.Context(), secret)
		}
		switch {
		case errors.Is(err, store.ErrUnauthenticated):
			if secret != "" {
				clearSessionCookie(w, r) // unknown or revoked: stop sending it
			}
			if safe {
				http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			msg := "Sign in to do this."
			if secret != "" {
				msg = "Your session has ended (its token is unknown or was revoked): sign in again to do this."
			}
			s.renderLogin(w, r, http.StatusUnauthorized, loginPage{Error: msg})
			return
		case err != nil:
			s.log.Error("session: authenticate", "err", err)
			http.Error(w, "kiban cannot check your session now; try again", http.StatusInternalServerError)
			return
		}
		if !tok.Role.Allows(need) {
			p := loginPage{SignedIn: tok.Name, Role: tok.Role,
				Error: "You are signed in as " + tok.Name + ", whose role is " + string(tok.Role) +
					"; this needs " + string(need) + ". Sign in with a token that has it."}
			if safe {
				p.Next = r.URL.RequestURI()
			}
			s.renderLogin(w, r, http.StatusForbidden, p)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), tokenKey, tok)))
	}
}

// loginURL is the sign-in page that returns to next.
func loginURL(next string) string {
	if next = localPath(next); next == "" {
		return "/login"
	}
	return "/login?" + url.Values{"next": {next}}.Encode()
}

// localPath returns next if it is a path on this server, such as
// "/services?q=x", and "" otherwise, so that signing in never redirects to
// another site: "//host/…" and "/\host/…" are taken by browsers as another
// host, and a scheme or control characters have no business here.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// handleLoginPage serves GET /login: the sign-in form.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	p := loginPage{Next: localPath(r.URL.Query().Get("next"))}
	if tok, ok := s.viewer(r); ok {
		p.SignedIn, p.Role = tok.Name, tok.Role
	}
	s.renderLogin(w, r, http.StatusOK, p)
}

// handleLogin serves POST /login: it checks the pasted token, and if it is
// valid keeps it in the session cookie, writes session.create to the audit
// log and redirects to the form's next path (or /services).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, loginPage{Error: "The form could not be read: " + err.Error()})
		return
	}
	next := localPath(r.PostFormValue("next"))
	secret := strings.TrimSpace(r.PostFormValue("token"))
	if secret == "" {
		s.renderLogin(w, r, http.StatusBadRequest, loginPage{Next: next, Error: "Paste a token to sign in."})
		return
	}
	tok, err := s.store.Authenticate(r.Context(), secret)
	switch {
	case errors.Is(err, store.ErrUnauthenticated):
		s.renderLogin(w, r, http.StatusUnauthorized, loginPage{Next: next,
			Error: "That token is not valid: it is unknown or has been revoked. Tokens start with " + store.SecretPrefix + "."})
		return
	case err != nil:
		s.log.Error("login: authenticate", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, loginPage{Next: next, Error: "kiban cannot check the token now; try again."})
		return
	}
	expires := s.now().Add(sessionMaxAge).UTC()
	after, _ := json.Marshal(map[string]any{"role": tok.Role, "expires_at": expires.Format(time.RFC3339)})
	if err := s.store.RecordAudit(r.Context(), store.AuditEntry{Actor: "token:" + tok.Name, Action: "session.create",
		Target: "token/" + tok.Name, After: after}); err != nil {
		s.log.Error("login: audit", "token", tok.Name, "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, loginPage{Next: next, Error: "kiban cannot record the sign-in now; try again."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(sessionMaxAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureRequest(r)})
	s.log.Info("signed in", "token", tok.Name, "role", tok.Role)
	if next == "" {
		next = "/services"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleLogout serves POST /logout: it removes the session cookie from the
// browser and redirects to /login. The token stays valid; revoke it to end
// its use everywhere.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if tok, ok := s.viewer(r); ok {
		if err := s.store.RecordAudit(r.Context(), store.AuditEntry{Actor: "token:" + tok.Name, Action: "session.delete",
			Target: "token/" + tok.Name}); err != nil {
			s.log.Error("logout: audit", "token", tok.Name, "err", err)
		}
	}
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clearSessionCookie tells the browser to drop the session cookie.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureRequest(r)})
}

// secureRequest reports whether the browser reached kiban over HTTPS:
// directly, or through a proxy that says so with X-Forwarded-Proto. Trusting
// the header can only make the cookie stricter.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, p loginPage) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, code, "login", "Sign in", p)
}

// protectCrossOrigin refuses non-safe cross-origin browser requests (CSRF)
// with 403, using the browser's Sec-Fetch-Site header or else comparing
// Origin with Host. Requests with neither header, as curl, Alertmanager and
// other non-browser clients send them, pass.
func protectCrossOrigin(h http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const msg = "cross-origin request refused: kiban only accepts state-changing requests from its own pages or from clients that are not browsers"
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/-/") {
			writeError(w, http.StatusForbidden, msg)
			return
		}
		http.Error(w, msg, http.StatusForbidden)
	}))
	return p.Handler(h)
}
