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

// require wraps a handler so that it runs only for a valid bearer token
// whose role allows need: no or a bad token answers 401, a token with too
// small a role answers 403, and in both cases the handler does not run.
func (s *Server) require(need store.Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(auth, " ")
		if auth == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kiban"`)
			writeError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token> (create one with kiban token create)")
			return
		}
		tok, err := s.store.Authenticate(r.Context(), strings.TrimSpace(secret))
		switch {
		case errors.Is(err, store.ErrUnauthenticated):
			w.Header().Set("WWW-Authenticate", `Bearer realm="kiban", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid or revoked token")
			return
		case err != nil:
			s.log.Error("authenticate", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot check the token now")
			return
		}
		if !tok.Role.Allows(need) {
			writeError(w, http.StatusForbidden, "token "+tok.Name+" has role "+string(tok.Role)+"; this needs "+string(need))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), tokenKey, tok)))
	}
}
