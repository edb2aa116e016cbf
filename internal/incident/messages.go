package incident

import (
	"context"
	"fmt"
	"strings"

	"kiban.dev/kiban/internal/chat"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/postmortem"
	"kiban.dev/kiban/internal/store"
)

// enqueue writes a chat message for the incident's team to the outbox,
// in tx, when the team has a chat webhook.
func (m *Manager) enqueue(ctx context.Context, tx *store.Tx, in store.Incident, kind string, msg notify.Message) error {
	_, err := m.enqueueFor(ctx, tx, in.Team, kind, "", msg)
	return err
}

// enqueueFor queues msg for team and reports whether it was queued: not
// when the team has no chat webhook or dedup was already used.
func (m *Manager) enqueueFor(ctx context.Context, tx *store.Tx, team, kind, dedup string, msg notify.Message) (bool, error) {
	return chat.Queue(ctx, tx, m.catalog(), team, kind, dedup, msg)
}

// IncidentURL is the incident's page.
func (m *Manager) IncidentURL(id int64) string {
	return fmt.Sprintf("%s/incidents/%d", m.baseURL, id)
}

func (m *Manager) link(id int64, text string) string {
	if m.baseURL == "" {
		return notify.Escape(text)
	}
	return notify.Link(m.IncidentURL(id), text)
}

func label(in store.Incident) string {
	return fmt.Sprintf("INC-%d %s", in.ID, in.Title)
}

func facts(in store.Incident) []string {
	f := []string{"*Severity*\n" + Severity(in.Severity), "*Status*\n" + statusTitle(in.Status)}
	if len(in.Services) > 0 {
		f = append(f, "*Services*\n"+notify.Escape(strings.Join(in.Services, ", ")))
	}
	if in.Commander != "" {
		f = append(f, "*Commander*\n"+notify.Escape(in.Commander))
	}
	return f
}

func (m *Manager) openedMessage(in store.Incident, alerts []store.ReceivedAlert) notify.Message {
	head := fmt.Sprintf("%s incident opened: %s", Severity(in.Severity), label(in))
	body := m.link(in.ID, label(in))
	if in.Rule != "" {
		body += "\nOpened by rule " + notify.Escape(in.Rule)
		if len(alerts) > 0 {
			body += " from alert " + notify.Escape(alerts[0].AlertName)
		}
	}
	if in.Summary != "" {
		body += "\n" + notify.Escape(in.Summary)
	}
	blocks := []notify.Block{notify.Header(head), notify.Section(body, facts(in)...)}
	if m.baseURL != "" {
		blocks = append(blocks, notify.Actions(notify.LinkButton("Open incident", m.IncidentURL(in.ID), "danger")))
	}
	return notify.Message{Text: head, Blocks: blocks}
}

func (m *Manager) changeMessage(before, in store.Incident, kind, actor string) notify.Message {
	var head string
	switch {
	case kind == "incident.severity":
		head = fmt.Sprintf("%s is now %s (was %s)", label(in), Severity(in.Severity), Severity(before.Severity))
	case in.Status == store.IncidentResolved:
		head = fmt.Sprintf("Resolved: %s", label(in))
		if in.ResolvedAt != nil {
			head += " after " + postmortem.HumanDuration(in.ResolvedAt.Sub(in.StartedAt))
		}
	default:
		head = fmt.Sprintf("%s: %s → %s", label(in), statusTitle(before.Status), statusTitle(in.Status))
	}
	body := m.link(in.ID, label(in)) + "\nChanged by " + notify.Escape(actor)
	return notify.Message{Text: head, Blocks: []notify.Block{notify.Header(head), notify.Section(body, facts(in)...)}}
}
