// Command kiban is the SRE platform: catalog and ownership, SLOs, alerts,
// incidents, cost and safe infrastructure changes in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"kiban.dev/kiban/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
