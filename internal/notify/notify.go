// Package notify delivers alerts: to Alertmanager through its API v2
// (POST /api/v2/alerts), and to chat through Slack-compatible incoming
// webhooks (Block Kit blocks with a plain-text fallback).
//
// Webhook URLs are secrets: no error or log line of this package contains
// one. Alertmanager URLs appear with any password redacted.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one delivery when the caller gives no client.
const DefaultTimeout = 10 * time.Second

// userAgent identifies kiban to receivers.
const userAgent = "kiban-notify/1"

// HTTPError is a delivery that reached the receiver and was refused.
type HTTPError struct {
	// Target names the receiver without any secret ("chat webhook",
	// "alertmanager http://am:9093").
	Target     string
	StatusCode int
	// Body is the start of the response body (Slack puts its error code
	// there, Alertmanager a JSON error).
	Body string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("notify: %s: HTTP %d", e.Target, e.StatusCode)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Temporary reports whether trying again later may succeed: 408, 429 and
// server errors.
func (e *HTTPError) Temporary() bool {
	return e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Permanent reports whether err is a refusal that retrying will not fix
// (a 4xx other than 408 and 429, or an invalid URL). Network errors and
// timeouts are not permanent.
func Permanent(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return !he.Temporary()
	}
	return errors.Is(err, ErrInvalidURL)
}

// ErrInvalidURL is returned for a receiver URL that is not http(s).
var ErrInvalidURL = errors.New("not an absolute http or https URL")

func defaultClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// postJSON posts body to u and reads the answer. Errors name target, never
// u: a *url.Error would quote the URL, so only its cause is kept.
func postJSON(ctx context.Context, client *http.Client, u, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: %s: %w", target, ErrInvalidURL)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("notify: %s: %w", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // let the connection be reused
	if resp.StatusCode/100 != 2 {
		return &HTTPError{Target: target, StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	return nil
}

// marshal encodes v as JSON without HTML escaping (&, < and > stay as
// they are, as mrkdwn wants them).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// validHTTPURL parses an absolute http(s) URL.
func validHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, ErrInvalidURL
	}
	return u, nil
}
