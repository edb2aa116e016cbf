package sli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"kiban.dev/kiban/internal/accesslog"
	"kiban.dev/kiban/internal/store"
)

// IngestResult says what one log source gave.
type IngestResult struct {
	Source    string                `json:"source"`
	Lines     int64                 `json:"lines"`
	Records   int64                 `json:"records"`
	Matched   int64                 `json:"matched"` // records that counted for at least one SLI
	Malformed int64                 `json:"malformed"`
	Errors    []accesslog.LineError `json:"errors,omitempty"` // the first malformed lines
	Buckets   int                   `json:"buckets"`
	// Duplicate is true when the same content was ingested before: it is
	// not counted again.
	Duplicate bool  `json:"duplicate"`
	Bytes     int64 `json:"bytes"`
}

// IngestLogs reads an access log, counts the requests of every SLI per
// minute and stores the counts in one transaction, keyed by the content's
// digest so that the same log ingested twice counts once. Malformed lines
// are counted and reported, never fatal. Raw lines are not stored.
func IngestLogs(ctx context.Context, st *store.Store, m *Matcher, r io.Reader, source string, f accesslog.Format, actor string) (IngestResult, error) {
	res := IngestResult{Source: source}
	h := sha256.New()
	lr := accesslog.NewReader(io.TeeReader(r, h), f)
	counter := NewCounter()
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("sli: ingest %s: %w", source, err)
			}
		}
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("sli: ingest %s: %w", source, err)
		}
		matched := false
		m.Match(Request{Time: rec.Time, Host: rec.Host, Method: rec.Method, Path: rec.Path, Status: rec.Status, Duration: rec.Duration},
			func(key string, good bool) {
				counter.Add(key, rec.Time, good)
				matched = true
			})
		if matched {
			res.Matched++
		}
	}
	stats := lr.Stats()
	res.Lines, res.Records, res.Malformed, res.Errors, res.Bytes = int64(stats.Lines), int64(stats.Records), int64(stats.Malformed), stats.Errors, stats.Bytes
	buckets := counter.Buckets()
	res.Buckets = len(buckets)
	err := st.AddBuckets(ctx, store.Ingest{
		Digest: "logs:" + string(f) + ":" + hex.EncodeToString(h.Sum(nil)),
		Source: source, Kind: "logs", Actor: actor,
		Lines: res.Lines, Records: res.Records, Matched: res.Matched, Malformed: res.Malformed,
	}, buckets)
	if errors.Is(err, store.ErrDuplicate) {
		res.Duplicate, res.Buckets = true, 0
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("sli: ingest %s: %w", source, err)
	}
	return res, nil
}
