// Package apiclient is a client of a running kiban server's JSON API
// (docs/api.md): incidents, action items, postmortems and incident
// metrics. The CLI's incident and postmortem commands and the example
// seed use it, so that changes go through the server, which checks them,
// audits them and sends the chat messages.
//
// Requests and responses are the server's own types (package incident for
// requests, package store for stored objects), so the JSON always matches.
// Errors are *Error for an answer of the API (its message and HTTP
// status), *UnreachableError when the server cannot be reached, and
// ErrNoToken for a change without a token.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultURL is where kiban serve listens by default.
const DefaultURL = "http://127.0.0.1:8080"

// Client calls one kiban server. Create it with New.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the server at baseURL (http or https, with or
// without a trailing slash or a path prefix). token authenticates changes;
// it may be empty for reads. The token is sent only in the Authorization
// header and never appears in errors.
func New(baseURL, token string) (*Client, error) {
	raw := strings.TrimSpace(baseURL)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server URL %q: expected http://HOST:PORT or https://HOST, such as %s", raw, DefaultURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return &Client{base: u, token: strings.TrimSpace(token), http: &http.Client{Timeout: time.Minute}}, nil
}

// BaseURL is the server's URL without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// URL is the server's URL for path (which starts with a slash), for links
// to its pages such as /incidents/3.
func (c *Client) URL(path string) string { return c.BaseURL() + path }

// HasToken reports whether the client has a token to make changes with.
func (c *Client) HasToken() bool { return c.token != "" }

// Error is an error answer of the API: {"error": "..."} and its status.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status) }

// StatusOf returns the HTTP status of an API error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// UnreachableError is a request that got no HTTP answer.
type UnreachableError struct {
	URL string // the server's URL
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the kiban server at %s (%v); is it running? Start one with kiban serve, or point --server (env KIBAN_URL) at a running one",
		e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrNoToken is a change attempted without a token.
var ErrNoToken = errors.New("this changes state and needs an API token: pass --token or set KIBAN_TOKEN " +
	"(an admin creates one with kiban token create --name NAME --role editor)")

// Do sends a request to path (such as /api/v1/incidents) with the query
// and, unless body is nil, body as JSON, and returns the answer's body
// when its status is 2xx. Any method but GET needs a token.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	_, data, err := c.send(ctx, method, path, query, body)
	return data, err
}

// send is Do that also returns the answer's status.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body any) (int, []byte, error) {
	if method != http.MethodGet && c.token == "" {
		return 0, nil, ErrNoToken
	}
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, &UnreachableError{URL: c.BaseURL(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, data, nil
	}
	return resp.StatusCode, nil, apiError(resp, data)
}

// apiError reads an error answer; a body that is not the API's JSON
// (a proxy's page, say) is summarized.
func apiError(resp *http.Response, data []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return &Error{Status: resp.StatusCode, Message: e.Error}
	}
	msg := strings.TrimSpace(string(data))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" || strings.HasPrefix(msg, "<") {
		msg = http.StatusText(resp.StatusCode)
	}
	return &Error{Status: resp.StatusCode, Message: msg}
}

func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	data, err := c.Do(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	return decode(method, path, data, out)
}

func decode(method, path string, data []byte, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// Health checks GET /healthz.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodGet, "/healthz", nil, nil)
	return err
}

// ParseIncidentID reads an incident number: N or INC-N.
func ParseIncidentID(s string) (int64, error) {
	v := strings.TrimSpace(s)
	if len(v) > 4 && strings.EqualFold(v[:4], "INC-") {
		v = v[4:]
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an incident number (N or INC-N)", s)
	}
	return id, nil
}
