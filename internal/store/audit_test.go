package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRecordAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		now := fakeClock(s, time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC))
		in := AuditEntry{
			ID:        999, // Ignored.
			Actor:     "user/alice",
			Action:    "check.update",
			Target:    "check/api",
			Before:    json.RawMessage(`{ "interval": "30s" }`),
			After:     json.RawMessage(`{"interval": "1m",  "tags": ["a", "b"]}`),
			RequestID: "req-1",
		}
		if err := s.RecordAudit(ctx, in); err != nil {
			t.Fatalf("RecordAudit: %v", err)
		}
		got, err := s.ListAudit(ctx, AuditQuery{})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(got) != 1 {
			t.Fatalf("ListAudit returned %d entries, want 1", len(got))
		}
		want := []AuditEntry{{
			ID:        got[0].ID,
			At:        *now,
			Actor:     "user/alice",
			Action:    "check.update",
			Target:    "check/api",
			Before:    json.RawMessage(`{"interval":"30s"}`),
			After:     json.RawMessage(`{"tags":["a","b"],"interval":"1m"}`),
			RequestID: "req-1",
		}}
		if diff := cmp.Diff(got, want, cmp.Transformer("json", decodeJSON)); diff != "" {
			t.Errorf("ListAudit (-got +want):\n%s", diff)
		}
		if got[0].ID == 999 {
			t.Error("RecordAudit used the ID of its argument")
		}
		// Snapshots come back compacted on both databases.
		for _, raw := range []json.RawMessage{got[0].Before, got[0].After} {
			if strings.ContainsAny(string(raw), " \n") {
				t.Errorf("snapshot %s is not compact", raw)
			}
		}
	})
}

// decodeJSON decodes a snapshot so that snapshots compare by value.
func decodeJSON(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Sprintf("invalid JSON %q: %v", raw, err)
	}
	return v
}

func TestRecordAuditNullSnapshots(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		e := AuditEntry{Actor: "user/alice", Action: "thing.delete", Before: json.RawMessage(" null "), After: nil}
		if err := s.RecordAudit(ctx, e); err != nil {
			t.Fatalf("RecordAudit: %v", err)
		}
		got, err := s.ListAudit(ctx, AuditQuery{})
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(got) != 1 || got[0].Before != nil || got[0].After != nil {
			t.Errorf("ListAudit = %+v, want one entry without snapshots", got)
		}
	})
}

func TestRecordAuditErrors(t *testing.T) {
	tests := []struct {
		name    string
		entry   AuditEntry
		wantErr string
	}{
		{"no actor", AuditEntry{Action: "a.b"}, "actor and action are required"},
		{"no action", AuditEntry{Actor: "user/alice"}, "actor and action are required"},
		{"bad before", AuditEntry{Actor: "user/alice", Action: "a.b", Before: json.RawMessage(`{`)}, "before"},
		{"bad after", AuditEntry{Actor: "user/alice", Action: "a.b", After: json.RawMessage(`nope`)}, "after"},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		for _, tt := range tests {
			err := s.RecordAudit(t.Context(), tt.entry)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: RecordAudit error = %v, want one containing %q", tt.name, err, tt.wantErr)
			}
		}
		if got := countRows(t, s, "audit_log"); got != 0 {
			t.Errorf("%d audit entries after failed writes, want 0", got)
		}
	})
}

func TestListAudit(t *testing.T) {
	// Entries are written in this order, so IDs increase down the list.
	written := []AuditEntry{
		{Actor: "user/alice", Action: "check.create", Target: "check/api"},
		{Actor: "user/bob", Action: "check.create", Target: "check/db"},
		{Actor: "user/alice", Action: "check.update", Target: "check/api"},
		{Actor: "token/ci", Action: "check.update", Target: "check/db"},
		{Actor: "user/alice", Action: "check.delete", Target: "check/api"},
		{Actor: "user/bob", Action: "token.create", Target: "token/ci"},
	}
	// Entries are named by their index in written.
	tests := []struct {
		name  string
		query AuditQuery
		want  []int
	}{
		{"all", AuditQuery{}, []int{5, 4, 3, 2, 1, 0}},
		{"limit", AuditQuery{Limit: 2}, []int{5, 4}},
		{"actor", AuditQuery{Actor: "user/alice"}, []int{4, 2, 0}},
		{"action", AuditQuery{Action: "check.update"}, []int{3, 2}},
		{"target", AuditQuery{Target: "check/db"}, []int{3, 1}},
		{"actor and target", AuditQuery{Actor: "user/alice", Target: "check/api", Limit: 2}, []int{4, 2}},
		{"all filters", AuditQuery{Actor: "user/bob", Action: "check.create", Target: "check/db"}, []int{1}},
		{"no match", AuditQuery{Actor: "user/carol"}, []int{}},
		// BeforeID holds an index into written, replaced below by its ID.
		{"before", AuditQuery{BeforeID: 3}, []int{2, 1, 0}},
		{"before and actor", AuditQuery{BeforeID: 4, Actor: "user/alice"}, []int{2, 0}},
		{"before and limit", AuditQuery{BeforeID: 5, Limit: 2}, []int{4, 3}},
		{"before first", AuditQuery{BeforeID: 1}, []int{0}},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		var ids []int64
		for i, e := range written {
			e.At = start.Add(time.Duration(i) * time.Minute)
			if err := s.RecordAudit(ctx, e); err != nil {
				t.Fatalf("RecordAudit: %v", err)
			}
			entries, err := s.ListAudit(ctx, AuditQuery{Limit: 1})
			if err != nil {
				t.Fatalf("ListAudit: %v", err)
			}
			ids = append(ids, entries[0].ID)
		}
		entry := func(i int) AuditEntry {
			e := written[i]
			e.ID = ids[i]
			e.At = start.Add(time.Duration(i) * time.Minute)
			return e
		}

		for _, tt := range tests {
			q := tt.query
			if q.BeforeID != 0 {
				q.BeforeID = ids[q.BeforeID]
			}
			got, err := s.ListAudit(ctx, q)
			if err != nil {
				t.Fatalf("%s: ListAudit: %v", tt.name, err)
			}
			want := []AuditEntry{}
			for _, i := range tt.want {
				want = append(want, entry(i))
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("%s: ListAudit(%+v) (-got +want):\n%s", tt.name, q, diff)
			}
		}
	})
}

func TestListAuditPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		const total = MaxAuditLimit + 20
		err := s.InTx(ctx, func(tx *Tx) error {
			for i := range total {
				if err := tx.RecordAudit(ctx, AuditEntry{Actor: "test", Action: "page", Target: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}

		// Paging through the log returns every entry once, newest first.
		for _, tt := range []struct {
			limit     int
			wantPages int
		}{
			{0, 11},   // DefaultAuditLimit
			{7, 75},   // A page size that does not divide total.
			{1000, 2}, // Clamped to MaxAuditLimit.
		} {
			var (
				targets []string
				pages   int
				before  int64
			)
			for {
				page, err := s.ListAudit(ctx, AuditQuery{Limit: tt.limit, BeforeID: before, Action: "page"})
				if err != nil {
					t.Fatalf("ListAudit: %v", err)
				}
				if len(page) == 0 {
					break
				}
				pages++
				for _, e := range page {
					targets = append(targets, e.Target)
				}
				before = page[len(page)-1].ID
			}
			var want []string
			for i := total - 1; i >= 0; i-- {
				want = append(want, fmt.Sprint(i))
			}
			if diff := cmp.Diff(targets, want); diff != "" {
				t.Errorf("limit %d: paged targets (-got +want):\n%s", tt.limit, diff)
			}
			if pages != tt.wantPages {
				t.Errorf("limit %d: %d pages, want %d", tt.limit, pages, tt.wantPages)
			}
		}

		if _, err := s.ListAudit(ctx, AuditQuery{Limit: -1}); err == nil {
			t.Error("ListAudit with a negative limit succeeded, want error")
		}
	})
}
