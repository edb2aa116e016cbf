package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRecordAlertDelivery(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		now := fakeClock(s, time.Date(2026, 11, 21, 23, 14, 0, 0, time.UTC))
		start := time.Date(2026, 11, 21, 23, 13, 59, 0, time.UTC)
		ends := start.Add(2 * time.Minute)
		one := IncomingAlert{
			Fingerprint: "aaa", Status: AlertFiring, AlertName: "HighErrorRate",
			Labels:      map[string]string{"alertname": "HighErrorRate", "service": "checkout"},
			Annotations: map[string]string{"summary": "v1"}, StartsAt: start,
			GeneratorURL: "http://prom/graph", Service: "checkout", Team: "shop-checkout",
		}
		two := IncomingAlert{
			Fingerprint: "bbb", Status: AlertFiring, AlertName: "Orphan",
			Labels: map[string]string{"alertname": "Orphan"}, StartsAt: start.Add(time.Minute), Unowned: true,
		}
		d := AlertDelivery{GroupKey: "{}:{alertname=\"HighErrorRate\"}", Receiver: "kiban", ExternalURL: "http://am:9093",
			Status: AlertFiring, Truncated: 1, Actor: "token:am", Alerts: []IncomingAlert{one, two}}
		res, err := s.RecordAlertDelivery(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		want := DeliveryResult{ID: res.ID, Alerts: 2, Firing: 2, Unowned: 1, Truncated: 1, New: 2, Moved: []string{"aaa", "bbb"}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("first delivery (-want +got):\n%s", diff)
		}

		// The same delivery again: no new state, one more delivery.
		*now = now.Add(time.Minute)
		res, err = s.RecordAlertDelivery(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 0 || res.Changed != 0 || len(res.Moved) != 0 {
			t.Errorf("repeat: new %d, changed %d, moved %v; want 0, 0, none", res.New, res.Changed, res.Moved)
		}

		// One resolves, with new annotations.
		*now = now.Add(time.Minute)
		one.Status, one.EndsAt, one.Annotations = AlertResolved, &ends, map[string]string{"summary": "v2"}
		res, err = s.RecordAlertDelivery(ctx, AlertDelivery{GroupKey: d.GroupKey, Receiver: "kiban", Status: AlertResolved, Actor: "token:am", Alerts: []IncomingAlert{one}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed != 1 || res.Resolved != 1 || !cmp.Equal(res.Moved, []string{"aaa"}) {
			t.Errorf("resolve: %+v", res)
		}

		got, err := s.ReceivedAlerts(ctx, ReceivedAlertQuery{})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 11, 21, 23, 14, 0, 0, time.UTC)
		wantAlerts := []ReceivedAlert{{
			Fingerprint: "bbb", State: AlertFiring, AlertName: "Orphan", Labels: two.Labels, Annotations: map[string]string{},
			StartsAt: two.StartsAt, GroupKey: d.GroupKey, Receiver: "kiban", ExternalURL: "http://am:9093", Unowned: true,
			FirstReceived: t0, LastReceived: t0.Add(time.Minute), Deliveries: 2,
		}, {
			Fingerprint: "aaa", State: AlertResolved, AlertName: "HighErrorRate", Labels: one.Labels, Annotations: map[string]string{"summary": "v2"},
			StartsAt: start, EndsAt: &ends, GeneratorURL: "http://prom/graph", GroupKey: d.GroupKey, Receiver: "kiban",
			Service: "checkout", Team: "shop-checkout",
			FirstReceived: t0, LastReceived: t0.Add(2 * time.Minute), Deliveries: 3,
		}}
		if diff := cmp.Diff(wantAlerts, got, cmpopts.IgnoreFields(ReceivedAlert{}, "ID")); diff != "" {
			t.Errorf("ReceivedAlerts (-want +got):\n%s", diff)
		}

		for _, c := range []struct {
			q    ReceivedAlertQuery
			want []string
		}{
			{ReceivedAlertQuery{State: AlertFiring}, []string{"bbb"}},
			{ReceivedAlertQuery{State: AlertResolved}, []string{"aaa"}},
			{ReceivedAlertQuery{Team: "shop-checkout"}, []string{"aaa"}},
			{ReceivedAlertQuery{Service: "checkout"}, []string{"aaa"}},
			{ReceivedAlertQuery{Service: "search"}, nil},
			{ReceivedAlertQuery{UnownedOnly: true}, []string{"bbb"}},
			{ReceivedAlertQuery{Limit: 1}, []string{"bbb"}},
		} {
			got, err := s.ReceivedAlerts(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var fps []string
			for _, a := range got {
				fps = append(fps, a.Fingerprint)
			}
			if diff := cmp.Diff(c.want, fps); diff != "" {
				t.Errorf("%+v (-want +got):\n%s", c.q, diff)
			}
		}

		dels, err := s.AlertDeliveries(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(dels) != 3 || dels[2].Truncated != 1 || dels[2].Alerts != 2 || dels[0].Status != AlertResolved || dels[0].Actor != "token:am" {
			t.Errorf("AlertDeliveries = %+v", dels)
		}
	})
}

func TestRecordAlertDeliveryInvalid(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		good := IncomingAlert{Fingerprint: "aaa", Status: AlertFiring, StartsAt: time.Now(), Labels: map[string]string{"a": "b"}}
		bad := IncomingAlert{Fingerprint: "bbb", Status: "pending", StartsAt: time.Now()}
		_, err := s.RecordAlertDelivery(ctx, AlertDelivery{Status: AlertFiring, Actor: "x", Alerts: []IncomingAlert{good, bad}})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v; want ErrInvalid", err)
		}
		got, err := s.ReceivedAlerts(ctx, ReceivedAlertQuery{})
		if err != nil {
			t.Fatal(err)
		}
		dels, err := s.AlertDeliveries(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 || len(dels) != 0 {
			t.Errorf("stored %d alerts and %d deliveries; want none", len(got), len(dels))
		}
	})
}
