// Package sli turns requests (from access logs) and reported events into
// per-minute good and total counts of the SLIs that select them, and
// stores them. The catalog says which requests belong to which SLI: an
// SLO's or a journey step's requests SLI (host, method, route pattern,
// good statuses, latency threshold).
package sli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// Request is one served request, as an access log records it.
type Request struct {
	Time     time.Time
	Host     string
	Method   string
	Path     string
	Status   int
	Duration time.Duration // negative when unknown
}

// rule is a compiled requests SLI.
type rule struct {
	key     string
	host    string
	method  string
	route   catalog.Route
	any     bool // no route: every path
	good    []statusRange
	latency time.Duration // zero: no latency condition
}

type statusRange struct{ lo, hi int }

// Matcher finds the SLIs a request counts for. It is immutable and safe
// for concurrent use.
type Matcher struct {
	rules  []rule
	byHost map[string][]int // rule indexes by host; "" for any host
	keys   map[string]bool
}

// NewMatcher compiles the requests SLIs of every SLO and journey step of a
// catalog.
func NewMatcher(c *catalog.Catalog) (*Matcher, error) {
	m := &Matcher{byHost: map[string][]int{}, keys: map[string]bool{}}
	add := func(key string, r *catalog.RequestsSLI) error {
		ru := rule{key: key, host: strings.ToLower(r.Host), method: r.Method, any: r.Route == ""}
		if !ru.any {
			route, err := catalog.CompileRoute(r.Route)
			if err != nil {
				return fmt.Errorf("sli %s: %w", key, err)
			}
			ru.route = route
		}
		for _, st := range r.GoodStatus {
			sr, err := parseStatus(st)
			if err != nil {
				return fmt.Errorf("sli %s: %w", key, err)
			}
			ru.good = append(ru.good, sr)
		}
		if len(ru.good) == 0 {
			ru.good = []statusRange{{100, 499}}
		}
		if r.Latency != "" {
			d, err := time.ParseDuration(r.Latency)
			if err != nil {
				return fmt.Errorf("sli %s: latency: %w", key, err)
			}
			ru.latency = d
		}
		m.byHost[ru.host] = append(m.byHost[ru.host], len(m.rules))
		m.rules = append(m.rules, ru)
		m.keys[key] = true
		return nil
	}
	for _, s := range c.SLOs {
		if s.Spec.SLI != nil && s.Spec.SLI.Requests != nil {
			if err := add(catalog.SLIKey(s.ID()), s.Spec.SLI.Requests); err != nil {
				return nil, err
			}
		}
	}
	for _, j := range c.Journeys {
		for _, st := range j.Spec.Steps {
			if st.SLI != nil && st.SLI.Requests != nil {
				if err := add(catalog.StepKey(j.Name, st.Name), st.SLI.Requests); err != nil {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

func parseStatus(s string) (statusRange, error) {
	if len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5' {
		lo := int(s[0]-'0') * 100
		return statusRange{lo, lo + 99}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return statusRange{}, fmt.Errorf("status %q: expected a class such as 2xx or a code such as 304", s)
	}
	return statusRange{n, n}, nil
}

// Keys returns the SLI keys the matcher counts, sorted.
func (m *Matcher) Keys() []string {
	keys := make([]string, 0, len(m.keys))
	for k := range m.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// HasKey reports whether an SLI key is known (for the events API).
func (m *Matcher) HasKey(key string) bool { return m.keys[key] }

// Match calls fn for every SLI the request counts for, saying whether it
// was good.
func (m *Matcher) Match(r Request, fn func(key string, good bool)) {
	host := strings.ToLower(r.Host)
	for _, h := range [2]string{host, ""} {
		for _, i := range m.byHost[h] {
			ru := &m.rules[i]
			if ru.method != "" && ru.method != r.Method {
				continue
			}
			if !ru.any && !ru.route.Match(r.Path) {
				continue
			}
			fn(ru.key, ru.isGood(r))
		}
		if host == "" {
			break
		}
	}
}

func (ru *rule) isGood(r Request) bool {
	ok := false
	for _, g := range ru.good {
		if r.Status >= g.lo && r.Status <= g.hi {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	if ru.latency > 0 && (r.Duration < 0 || r.Duration > ru.latency) {
		// A request whose duration is unknown cannot prove it was fast.
		return false
	}
	return true
}

// Counter accumulates per-minute counts in memory before they are stored
// in one transaction.
type Counter struct {
	buckets map[counterKey]*store.Bucket
}

type counterKey struct {
	key    string
	minute int64
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{buckets: map[counterKey]*store.Bucket{}} }

// Add counts one event.
func (c *Counter) Add(key string, t time.Time, good bool) {
	var g int64
	if good {
		g = 1
	}
	c.AddCounts(key, t, g, 1)
}

// AddCounts counts good of total events.
func (c *Counter) AddCounts(key string, t time.Time, good, total int64) {
	k := counterKey{key, t.Unix() / 60}
	b, ok := c.buckets[k]
	if !ok {
		b = &store.Bucket{Key: key, Minute: time.Unix(k.minute*60, 0).UTC()}
		c.buckets[k] = b
	}
	b.Good += good
	b.Total += total
}

// Buckets returns the counts, sorted by key and minute.
func (c *Counter) Buckets() []store.Bucket {
	out := make([]store.Bucket, 0, len(c.buckets))
	for _, b := range c.buckets {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b store.Bucket) int {
		if a.Key != b.Key {
			return strings.Compare(a.Key, b.Key)
		}
		return a.Minute.Compare(b.Minute)
	})
	return out
}
