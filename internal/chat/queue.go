// Package chat delivers kiban's messages to the teams' chat channels
// (Slack-compatible incoming webhooks): features queue a message in the
// store's outbox in the transaction of the change it announces, and the
// Dispatcher sends it afterwards, with retries, once.
package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// Queue writes msg for team to the outbox, in tx, and reports whether it
// was queued: not when the team is unknown or has no chat webhook, nor
// when a message with the same dedup key (if not empty) already was.
func Queue(ctx context.Context, tx *store.Tx, c *catalog.Catalog, team, kind, dedup string, msg notify.Message) (bool, error) {
	t, ok := c.Team(team)
	if !ok || !t.Spec.Chat.HasWebhook() {
		return false, nil
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return false, fmt.Errorf("chat: %s message: %w", kind, err)
	}
	return tx.Enqueue(ctx, store.OutboxMessage{Team: team, Kind: kind, DedupKey: dedup, Payload: payload})
}
