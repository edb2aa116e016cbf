package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"kiban.dev/kiban/internal/store"
)

type ctxKey int

const tokenKey ctxKey = iota

// tokenFrom returns the authenticated token of a request, if any.
func tokenFrom(ctx context.Context) (store.Token, bool) {
	t, ok := ctx.Value(tokenKey).(store.Token)
	return t, ok
}

// actor names who made a request, for the audit log.
func actor(ctx context.Context) string {
	if t, ok := tokenFrom(ctx); ok {
		return "token:" + t.Name
	}
	return "anonymous"
}

// authenticate checks the request's bearer token. It writes the 401 or
// 500 answer itself and returns ok=false when the request must stop.
// present is false when the request carries no Authorization header.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (tok store.Token, present, ok bool) {
	return s.authenticateWith(w, r, false)
}

// authenticateWith is authenticate that, when basic is true, also takes
// HTTP basic auth whose password is a token (the user name is ignored), as
// Alertmanager's http_config.basic_auth sends it.
func (s *Server) authenticateWith(w http.ResponseWriter, r *http.Request, basic bool) (tok store.Token, present, ok bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return store.Token{}, false, true
	}
	scheme, secret, found := strings.Cut(auth, " ")
	secret = strings.TrimSpace(secret)
	if basic && found && strings.EqualFold(scheme, "Basic") {
		_, secret, _ = r.BasicAuth()
		scheme = "Bearer"
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kiban"`)
		msg := "malformed Authorization header: send Authorization: Bearer <token>"
		if basic {
			msg += " or basic auth with the token as password"
		}
		writeError(w, http.StatusUnauthorized, msg)
		return store.Token{}, true, false
	}
	tok, err := s.store.Authenticate(r.Context(), secret)
	switch {
	case errors.Is(err, store.ErrUnauthenticated):
		w.Header().Set("WWW-Authenticate", `Bearer realm="kiban", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid or revoked token")
		return store.Token{}, true, false
	case err != nil:
		s.log.Error("authenticate", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot check the token now")
		return store.Token{}, true, false
	}
	return tok, true, true
}

// require wraps a handler so that it runs only for a valid bearer token
// whose role allows need: no or a bad token answers 401, a token with too
// small a role answers 403, and in both cases the handler does not run.
func (s *Server) require(need store.Role, h http.HandlerFunc) http.HandlerFunc {
	return s.requireWith(need, false, h)
}

// requireBasic is require that also takes HTTP basic auth whose password
// is a token, for webhooks whose sender only does basic auth.
func (s *Server) requireBasic(need store.Role, h http.HandlerFunc) http.HandlerFunc {
	return s.requireWith(need, true, h)
}

func (s *Server) requireWith(need store.Role, basic bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, present, ok := s.authenticateWith(w, r, basic)
		if !ok {
			return
		}
		if !present {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kiban"`)
			writeError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token> (create one with kiban token create)")
			return
		}
		if !tok.Role.Allows(need) {
			writeError(w, http.StatusForbidden, "token "+tok.Name+" has role "+string(tok.Role)+"; this needs "+string(need))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), tokenKey, tok)))
	}
}

// open wraps a read-only API handler that anyone may call. A request that
// does send a token must send a valid one: a wrong or revoked token is an
// error (401) rather than silently ignored.
func (s *Server) open(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, present, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if present {
			r = r.WithContext(context.WithValue(r.Context(), tokenKey, tok))
		}
		h(w, r)
	}
}
