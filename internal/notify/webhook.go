package notify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Message is the body of a Slack-compatible incoming webhook: Block Kit
// blocks, and Text as the fallback shown in notifications and by clients
// that do not render blocks (Mattermost, Rocket.Chat and Discord's /slack
// endpoint read text).
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is a Block Kit layout block (header, section, context, actions,
// divider).
type Block struct {
	Type   string `json:"type"`
	Text   *Text  `json:"text,omitempty"`
	Fields []Text `json:"fields,omitempty"`
	// Elements are Text (context blocks) or Button (actions blocks).
	Elements []any `json:"elements,omitempty"`
}

// Text is a Block Kit text object: plain_text or mrkdwn.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Button is a Block Kit link button.
type Button struct {
	Type     string `json:"type"` // "button"
	Text     Text   `json:"text"`
	URL      string `json:"url,omitempty"`
	Style    string `json:"style,omitempty"` // "", "primary" or "danger"
	ActionID string `json:"action_id,omitempty"`
}

// Block Kit limits this package truncates to.
const (
	maxHeader    = 150
	maxSection   = 3000
	maxField     = 2000
	maxFields    = 10
	maxFallback  = 4000
	maxButtonTxt = 75
)

// Header is a header block (plain text, at most 150 characters).
func Header(text string) Block {
	return Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(text, maxHeader)}}
}

// Section is a section block of mrkdwn text and optional mrkdwn fields
// (shown in two columns; at most 10).
func Section(mrkdwn string, fields ...string) Block {
	b := Block{Type: "section"}
	if mrkdwn != "" {
		b.Text = &Text{Type: "mrkdwn", Text: truncate(mrkdwn, maxSection)}
	}
	for i, f := range fields {
		if i == maxFields {
			break
		}
		b.Fields = append(b.Fields, Text{Type: "mrkdwn", Text: truncate(f, maxField)})
	}
	return b
}

// Context is a context block: small mrkdwn lines.
func Context(mrkdwn ...string) Block {
	b := Block{Type: "context"}
	for _, m := range mrkdwn {
		b.Elements = append(b.Elements, Text{Type: "mrkdwn", Text: truncate(m, maxSection)})
	}
	return b
}

// Actions is an actions block of buttons.
func Actions(buttons ...Button) Block {
	b := Block{Type: "actions"}
	for _, x := range buttons {
		b.Elements = append(b.Elements, x)
	}
	return b
}

// LinkButton is a button that opens url.
func LinkButton(text, url, style string) Button {
	return Button{Type: "button", Text: Text{Type: "plain_text", Text: truncate(text, maxButtonTxt)}, URL: url, Style: style}
}

// Escape escapes text for mrkdwn: &, < and > are control characters.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Link is a mrkdwn link <url|text>.
func Link(url, text string) string {
	if url == "" {
		return Escape(text)
	}
	return "<" + strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(url) + "|" + Escape(text) + ">"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Webhook sends messages to Slack-compatible incoming webhooks.
type Webhook struct {
	// Client sends the requests; nil means one with DefaultTimeout.
	Client *http.Client
}

// Send posts m to the webhook at url. Errors never contain the URL,
// which is a secret.
func (w *Webhook) Send(ctx context.Context, url string, m Message) error {
	if _, err := validHTTPURL(url); err != nil {
		return fmt.Errorf("notify: chat webhook: %w", err)
	}
	m.Text = truncate(m.Text, maxFallback)
	body, err := marshal(m)
	if err != nil {
		return fmt.Errorf("notify: chat webhook: %w", err)
	}
	var client *http.Client
	if w != nil {
		client = w.Client
	}
	return postJSON(ctx, defaultClient(client), url, "chat webhook", body)
}
