package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// Dispatcher sends the outbox's chat messages to the teams' webhooks,
// retrying temporary failures with backoff. A message whose team has no
// usable webhook, or that the receiver refuses for good, is given up
// with the reason kept in the outbox.
type Dispatcher struct {
	Store   *store.Store
	Catalog func() *catalog.Catalog
	Webhook *notify.Webhook
	// Getenv reads webhookEnv variables; nil means os.Getenv.
	Getenv func(string) string
	Log    *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxAttempts before a message is given up; 0 means 8.
	MaxAttempts int

	once sync.Once
	kick chan struct{}
}

func (d *Dispatcher) kicks() chan struct{} {
	d.once.Do(func() { d.kick = make(chan struct{}, 1) })
	return d.kick
}

// Kick asks a running dispatcher to look at the outbox now.
func (d *Dispatcher) Kick() {
	select {
	case d.kicks() <- struct{}{}:
	default:
	}
}

// Run sends messages until ctx ends: at once when kicked, else every
// interval.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	kick := d.kicks()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		d.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// Flush sends every message due now and returns how many were sent.
func (d *Dispatcher) Flush(ctx context.Context) int {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	getenv := d.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	maxAttempts := d.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = 8
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	sent := 0
	for ctx.Err() == nil {
		msgs, err := d.Store.ClaimMessages(ctx, now(), claimLease, 50)
		if err != nil {
			log.Error("outbox", "err", err)
			return sent
		}
		if len(msgs) == 0 {
			return sent
		}
		c := d.Catalog()
		for _, m := range msgs {
			err := d.send(ctx, c, getenv, m)
			if err == nil {
				if err := d.Store.MarkSent(ctx, m.ID); err != nil {
					log.Error("outbox", "err", err)
					return sent
				}
				sent++
				continue
			}
			var next *time.Time
			if !permanent(err) && m.Attempts+1 < maxAttempts {
				t := now().Add(backoff(m.Attempts))
				next = &t
			}
			log.Warn("chat message not delivered", "team", m.Team, "kind", m.Kind, "id", m.ID,
				"attempt", m.Attempts+1, "retry", next != nil, "err", err)
			if err := d.Store.MarkAttempt(ctx, m.ID, err.Error(), next); err != nil {
				log.Error("outbox", "err", err)
				return sent
			}
		}
	}
	return sent
}

// claimLease is how long a message is ours to send; one not sent by then
// (the process died) is sent again.
const claimLease = 2 * time.Minute

// backoff is 30s, 1m, 2m, … capped at 30m.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts, 6)
	return min(d, 30*time.Minute)
}

func permanent(err error) bool {
	var nw errNoWebhook
	return errors.As(err, &nw) || notify.Permanent(err)
}

// errNoWebhook is permanent: retrying cannot help until the catalog
// changes, and a message that late would mislead.
type errNoWebhook struct{ why string }

func (e errNoWebhook) Error() string { return e.why }

func (d *Dispatcher) send(ctx context.Context, c *catalog.Catalog, getenv func(string) string, m store.OutboxMessage) error {
	t, ok := c.Team(m.Team)
	if !ok {
		return errNoWebhook{fmt.Sprintf("team %q is not in the catalog", m.Team)}
	}
	url, why := t.Spec.Chat.WebhookURL(getenv)
	if url == "" {
		if why == "" {
			why = "the team has no chat webhook"
		}
		return errNoWebhook{why}
	}
	var msg notify.Message
	if err := json.Unmarshal(m.Payload, &msg); err != nil {
		return errNoWebhook{fmt.Sprintf("message %d is not a chat message: %v", m.ID, err)}
	}
	return d.Webhook.Send(ctx, url, msg)
}
