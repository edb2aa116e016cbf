// Command gen writes a week of the Acme shop's access logs, as its AWS
// Application Load Balancer would, for kiban to ingest: the traffic the
// SLOs in examples/acme/slos select, the traffic they do not, and one
// incident that exhausts the checkout journey's error budget. It also
// writes three months of Acme's AWS bill as FOCUS 1.2 exports, for kiban
// cost import: services to allocate, an untagged cluster, a Savings Plan
// and one cost anomaly. See README.md.
//
//	go run ./examples/acme/gen [-out DIR] [-seed N] [-end TIME] [-days N] [-peak R]
//	    [-logs=false] [-billing=false] [-billing-scale N] [-billing-gzip=false] [-billing-months N]
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database
)

var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gen:", err)
		}
		os.Exit(2)
	}
}

type config struct {
	out  string
	seed uint64
	end  time.Time
	days int
	peak float64 // requests a second at a weekday's evening peak

	logs          bool // write the access logs
	billing       bool // write the FOCUS billing data
	billingScale  int  // copies of every billed resource
	billingGzip   bool
	billingMonths int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var end string
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./examples/acme/gen [-out DIR] [-seed N] [-end TIME] [-days N] [-peak R] [-billing-scale N] …")
		fmt.Fprintln(stderr, "\nWrites DIR/logs/alb/YYYY/MM/DD/*.log.gz: the Acme shop's ALB access logs, one file an hour;")
		fmt.Fprintln(stderr, "and DIR/billing/focus/YYYY-MM.csv.gz: Acme's AWS bill as FOCUS 1.2, one file a month.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.out, "out", filepath.Join("examples", "acme", "data"), "output directory; its logs/alb and billing/focus are replaced")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed: the same seed and -end give the same bytes")
	fs.StringVar(&end, "end", "", "when the logs and the billing data end, RFC 3339 (2026-05-14T15:30:00Z); now when empty")
	fs.IntVar(&c.days, "days", 7, "days of logs before -end")
	fs.Float64Var(&c.peak, "peak", 1.6, "requests a second at a weekday's evening peak")
	fs.BoolVar(&c.logs, "logs", true, "write the access logs")
	fs.BoolVar(&c.billing, "billing", true, "write the FOCUS billing data (billing/focus is replaced)")
	fs.IntVar(&c.billingScale, "billing-scale", 1, "copies of every billed resource: N times the rows, for benchmarks")
	fs.BoolVar(&c.billingGzip, "billing-gzip", true, "gzip the billing files (.csv.gz); plain .csv when false")
	fs.IntVar(&c.billingMonths, "billing-months", 3, "billing periods (months) up to -end, the last one partial")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if end == "" {
		c.end = time.Now().UTC().Truncate(time.Second)
	} else {
		t, err := time.Parse(time.RFC3339, end)
		if err != nil {
			return c, fmt.Errorf("-end %q: expected an RFC 3339 time such as 2026-05-14T15:30:00Z", end)
		}
		c.end = t.UTC()
	}
	if c.days < 3 || c.days > 60 {
		return c, fmt.Errorf("-days %d: expected 3 to 60 (the incident is 2 days before the end)", c.days)
	}
	if c.peak <= 0 || c.peak > 200 {
		return c, fmt.Errorf("-peak %g: expected more than 0 and at most 200 requests a second", c.peak)
	}
	if c.billingScale < 1 || c.billingScale > 10_000 {
		return c, fmt.Errorf("-billing-scale %d: expected 1 to 10000", c.billingScale)
	}
	if c.billingMonths < 1 || c.billingMonths > 24 {
		return c, fmt.Errorf("-billing-months %d: expected 1 to 24", c.billingMonths)
	}
	return c, nil
}

// hourFile is one log file: the requests received in [from, to).
type hourFile struct {
	from, to time.Time
	path     string // relative to the output directory
	requests int
	bytes    int64
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.logs {
		if err := writeLogs(c, stdout); err != nil {
			return err
		}
	}
	if c.billing {
		began := time.Now()
		res, err := writeBilling(c)
		if err != nil {
			return err
		}
		printBilling(stdout, c, res, time.Since(began))
	}
	return nil
}

// writeLogs writes the access logs, one file an hour, in parallel.
func writeLogs(c config, stdout io.Writer) error {
	began := time.Now()
	start := c.end.Add(-time.Duration(c.days) * 24 * time.Hour)
	in := incidentFor(c.end)

	root := filepath.Join(c.out, "logs", "alb")
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	var files []*hourFile
	for h := start.Truncate(time.Hour); h.Before(c.end); h = h.Add(time.Hour) {
		f := &hourFile{from: h, to: h.Add(time.Hour)}
		if f.from.Before(start) {
			f.from = start
		}
		if f.to.After(c.end) {
			f.to = c.end
		}
		if f.from.Before(f.to) {
			files = append(files, f)
		}
	}

	jobs := make(chan *hourFile)
	errs := make(chan error, len(files))
	var wg sync.WaitGroup
	for range max(runtime.GOMAXPROCS(0), 1) {
		wg.Go(func() {
			for f := range jobs {
				if err := writeHour(c, in, root, f); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}

	var requests int
	var size int64
	for _, f := range files {
		requests += f.requests
		size += f.bytes
	}
	fmt.Fprintf(stdout, "gen: %s: %d files, %d requests, %.1f MB gzip, from %s to %s, in %s\n",
		root, len(files), requests, float64(size)/1e6, start.Format(time.RFC3339), c.end.Format(time.RFC3339),
		time.Since(began).Round(10*time.Millisecond))
	fmt.Fprintf(stdout, "gen: incident %s to %s (%s to %s Europe/Paris): POST /api/payments fails 30-40%%, order confirmations slow\n",
		in.start.Format("2006-01-02T15:04Z"), in.end.Format("15:04Z"), in.start.In(paris).Format("Mon 2 Jan 15:04"), in.end.In(paris).Format("15:04"))
	return nil
}

// writeHour generates and writes one file. Its random numbers come from
// the seed and the hour alone, so hours can be written in any order, in
// parallel, and always give the same bytes.
func writeHour(c config, in incident, root string, f *hourFile) error {
	r := rand.New(rand.NewPCG(c.seed, uint64(f.from.Unix())))

	// ALB names a file after the end of the interval it covers, the node
	// that wrote it and a random string.
	name := fmt.Sprintf("%s_elasticloadbalancing_%s_app.%s.%s_%s_%s_%s.log.gz",
		account, region, lbName, lbID, f.to.Format("20060102T1504Z"), pick(r, nodeIPs), randomName(r))
	f.path = filepath.Join(f.to.Format("2006"), f.to.Format("01"), f.to.Format("02"), name)
	full := filepath.Join(root, f.path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	out, err := os.Create(full)
	if err != nil {
		return err
	}
	cw := &countingWriter{w: out}
	bw := bufio.NewWriterSize(cw, 256<<10)
	zw := gzip.NewWriter(bw) // no name and no time in the header: reproducible bytes

	var total float64
	for _, rt := range routes {
		total += rt.weight
	}
	buf := make([]byte, 0, 64<<10)
	t := f.from
	for {
		// Arrivals are a Poisson process whose rate follows the daily
		// cycle; the rate is read at each arrival.
		ld := load(t, c.seed)
		rate := c.peak * ld
		t = t.Add(time.Duration(r.ExpFloat64() / rate * float64(time.Second)))
		if !t.Before(f.to) {
			break
		}
		x := r.Float64() * total
		rt := routes[len(routes)-1]
		for _, cand := range routes {
			if x < cand.weight {
				rt = cand
				break
			}
			x -= cand.weight
		}
		o := serve(r, rt, t, in, ld)
		buf = appendLine(buf, r, t, rt, o)
		f.requests++
		if len(buf) > 60<<10 {
			if _, err := zw.Write(buf); err != nil {
				out.Close()
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := zw.Write(buf); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	f.bytes = cw.n
	return out.Close()
}

func randomName(r *rand.Rand) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
