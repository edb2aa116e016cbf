package cost

import (
	"context"
	"fmt"
	"strings"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/chat"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/store"
)

// NotifyBudgets queues, for each threshold a budget crossed this month, one
// chat message to the owning team (once per budget, month and threshold,
// however often it runs; teams without a chat webhook get none). It
// returns how many messages were queued. baseURL is kiban's external URL,
// for links.
func NotifyBudgets(ctx context.Context, st *store.Store, c *catalog.Catalog, statuses []BudgetStatus, baseURL string) (int, error) {
	var msgs []message
	for _, s := range statuses {
		for _, th := range s.Crossed {
			msgs = append(msgs, message{team: s.Owner, kind: "cost.budget",
				dedup: fmt.Sprintf("cost.budget:%s:%s:%s", s.Name, s.Forecast.Month, th), msg: budgetMessage(s, th, baseURL)})
		}
	}
	return queueAll(ctx, st, c, msgs)
}

// message is a chat message for a team, sent once per dedup key.
type message struct {
	team, kind, dedup string
	msg               notify.Message
}

// queueAll queues msgs in one transaction and returns how many were
// queued (teams without a webhook, and keys already used, get none).
func queueAll(ctx context.Context, st *store.Store, c *catalog.Catalog, msgs []message) (int, error) {
	queued := 0
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range msgs {
			ok, err := chat.Queue(ctx, tx, c, m.team, m.kind, m.dedup, m.msg)
			if err != nil {
				return err
			}
			if ok {
				queued++
			}
		}
		return nil
	})
	return queued, err
}

func budgetMessage(s BudgetStatus, threshold, baseURL string) notify.Message {
	what := s.Team
	if s.Service != "" {
		what = s.Service
	}
	head := fmt.Sprintf("Cost budget %s: %s reached (%s)", s.Name, threshold, s.Forecast.Month)
	body := fmt.Sprintf("%s has spent *%s %s* of its %s %s budget (%.1f%%) through %s; the month-end forecast is *%s %s* (%.1f%%).",
		notify.Escape(what), s.Forecast.Actual.StringFixed(2), s.Currency, s.Amount.StringFixed(2), s.Currency, s.ActualPercent,
		s.Forecast.Through, s.Forecast.MonthEnd.StringFixed(2), s.Currency, s.ForecastPercent)
	blocks := []notify.Block{notify.Header(head), notify.Section(body)}
	if baseURL != "" {
		u := strings.TrimRight(baseURL, "/") + "/cost?team=" + s.Owner
		blocks = append(blocks, notify.Actions(notify.LinkButton("Open the cost view", u, "")))
	}
	return notify.Message{Text: head, Blocks: blocks}
}
