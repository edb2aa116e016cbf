package cost

import (
	"errors"
	"io"

	"kiban.dev/kiban/internal/billconv"
	"kiban.dev/kiban/internal/focus"
)

// readItem is a row read ahead, or the error reading it.
type readItem struct {
	row focus.Row
	err error
}

const (
	readBatch   = 256 // rows handed over at a time
	readBatches = 4   // batches in flight
)

// readAhead reads rows from rd on a goroutine of its own, in batches,
// so parsing the file runs beside the aggregation on a second core.
// next returns the rows and errors in order, like rd.Next; a Row is valid
// until the next call. Reading stops after the first error that is not a
// *focus.RowError, which next returns last.
//
// stop ends the reading early without waiting: the goroutine returns
// after the row it is reading, which on a stalled stream may be when the
// stream is closed. wait returns once the goroutine has; after next has
// returned a final error that is at once, and rd may be used again (e.g.
// for Tolerated).
func readAhead(rd billconv.Reader) (next func() (*focus.Row, error), stop, wait func()) {
	full := make(chan []readItem, readBatches)
	free := make(chan []readItem, readBatches+1)
	for range readBatches + 1 {
		free <- make([]readItem, 0, readBatch)
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(full)
		for {
			var b []readItem
			select {
			case b = <-free:
			case <-done:
				return
			}
			b = b[:0]
			final := false
			// An error is handed over at once, without waiting for the
			// batch to fill: the import may stop on it.
			for failed := false; len(b) < cap(b) && !failed; {
				select {
				case <-done: // stopped: do not wait for a slow input
					return
				default:
				}
				row, err := rd.Next()
				if err != nil {
					var rowErr *focus.RowError
					final = !errors.As(err, &rowErr)
					failed = true
					b = append(b, readItem{err: err})
					continue
				}
				b = append(b, readItem{row: *row})
			}
			select {
			case full <- b:
			case <-done:
				return
			}
			if final {
				return
			}
		}
	}()
	var cur []readItem
	i := 0
	next = func() (*focus.Row, error) {
		for i == len(cur) {
			if cur != nil {
				free <- cur
			}
			b, ok := <-full
			if !ok {
				cur = nil
				return nil, io.ErrUnexpectedEOF // after a final error: not reached by a caller that stops there
			}
			cur, i = b, 0
		}
		it := &cur[i]
		i++
		if it.err != nil {
			return nil, it.err
		}
		return &it.row, nil
	}
	stop = func() {
		select {
		case <-done:
		default:
			close(done)
		}
	}
	wait = func() { <-finished }
	return next, stop, wait
}
