package catalog

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// ParseMatcher parses one Prometheus label matcher such as
// job="checkout-api" or namespace=~"shop-.*".
func ParseMatcher(s string) (*labels.Matcher, error) {
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + s + "}")
	if err != nil {
		return nil, fmt.Errorf("invalid label matcher %q: %s; expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"", s, strings.Join(strings.Fields(err.Error()), " "))
	}
	if len(ms) != 1 {
		return nil, fmt.Errorf("invalid label matcher %q: expected exactly one matcher per entry", s)
	}
	return ms[0], nil
}
