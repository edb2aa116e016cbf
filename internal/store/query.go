package store

import (
	"fmt"
	"strings"
)

// pageLimit applies a list's default and maximum to a requested limit (0
// means the default).
func pageLimit(limit, def, max int) int {
	switch {
	case limit == 0:
		return def
	case limit > max:
		return max
	}
	return limit
}

// conditions builds a WHERE clause with $N placeholders, for both
// dialects.
type conditions struct {
	conds []string
	args  []any
}

// add appends a condition whose placeholder is written $%d.
func (c *conditions) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.conds = append(c.conds, fmt.Sprintf(cond, len(c.args)))
}

// where returns " WHERE …", or "" without conditions.
func (c *conditions) where() string {
	if len(c.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.conds, " AND ")
}
