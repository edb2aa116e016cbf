package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CostPeriod names the cost one billing export covers: a billing account
// of a provider over a billing period (the period's first day,
// YYYY-MM-DD). Importing a period again replaces it.
type CostPeriod struct {
	Provider       string `json:"provider"`
	BillingAccount string `json:"billing_account"`
	BillingPeriod  string `json:"billing_period"`
}

// CostDaily is cost rolled up per day, service, team, provider, service
// category, charge category and currency. Money is exact decimal text.
type CostDaily struct {
	CostPeriod
	Day             string `json:"day"` // YYYY-MM-DD, UTC
	Service         string `json:"service"`
	Team            string `json:"team"`
	ServiceCategory string `json:"service_category"`
	ChargeCategory  string `json:"charge_category"`
	Currency        string `json:"currency"`
	Billed          string `json:"billed"`
	Effective       string `json:"effective"`
	List            string `json:"list"`
	Contracted      string `json:"contracted"`
	Rows            int64  `json:"rows"`
	// SharedFrom names the shared service this cost was split from, in
	// reports (never stored).
	SharedFrom string `json:"shared_from,omitempty"`
}

// CostResource is the cost of one resource on one day.
type CostResource struct {
	CostPeriod
	Day             string `json:"day"`
	ResourceID      string `json:"resource_id"`
	ResourceName    string `json:"resource_name"`
	SubAccount      string `json:"sub_account"`
	Service         string `json:"service"`
	Team            string `json:"team"`
	ServiceName     string `json:"service_name"`
	ServiceCategory string `json:"service_category"`
	Tagged          bool   `json:"tagged"`
	Currency        string `json:"currency"`
	Billed          string `json:"billed"`
	Effective       string `json:"effective"`
	List            string `json:"list"`
	Rows            int64  `json:"rows"`
}

// CostCommitment is a commitment discount's cost in a billing period, by
// status (Used, Unused, or empty for its purchase), charge category and
// service category.
type CostCommitment struct {
	CostPeriod
	CommitmentID       string `json:"commitment_id"`
	CommitmentName     string `json:"commitment_name"`
	CommitmentType     string `json:"commitment_type"`
	CommitmentCategory string `json:"commitment_category"`
	Status             string `json:"status"`
	ChargeCategory     string `json:"charge_category"`
	ServiceCategory    string `json:"service_category"`
	Currency           string `json:"currency"`
	Billed             string `json:"billed"`
	Effective          string `json:"effective"`
	List               string `json:"list"`
	Rows               int64  `json:"rows"`
}

// CostRow is one raw row of a billing export, kept for a while.
type CostRow struct {
	CostPeriod
	Line              int    `json:"line"`
	Day               string `json:"day"`
	SubAccount        string `json:"sub_account"`
	ResourceID        string `json:"resource_id"`
	ServiceName       string `json:"service_name"`
	ServiceCategory   string `json:"service_category"`
	ChargeCategory    string `json:"charge_category"`
	ChargeDescription string `json:"charge_description"`
	Currency          string `json:"currency"`
	Billed            string `json:"billed"`
	Effective         string `json:"effective"`
	List              string `json:"list"`
	Tags              string `json:"tags"`
	Service           string `json:"service"`
	Team              string `json:"team"`
}

// CostResourceMonth is the cost of one resource in a billing period (Day
// empty) and on each of its days.
type CostResourceMonth struct {
	CostResource
	Days []CostDay
}

// CostDay is the cost of a group or a resource on one day.
type CostDay struct {
	Day        string
	Billed     string
	Effective  string
	List       string
	Contracted string // "" writes 0
	Rows       int64
}

// CostData is what an import writes.
type CostData struct {
	Daily []CostDaily
	// ResourceMonths are the resources' cost per billing period and day,
	// best in key order (provider, billing account, billing period,
	// resource, sub-account, service, service name, currency; days
	// ascending) so the tables grow at their end.
	ResourceMonths []CostResourceMonth
	Commitments    []CostCommitment
	// Rows are raw rows to keep (none unless raw rows are kept).
	Rows []CostRow
}

// CostImport is one imported file.
type CostImport struct {
	ID         int64           `json:"id"`
	Source     string          `json:"source"`
	Format     string          `json:"format"`
	Periods    []CostPeriod    `json:"periods"`
	Rows       int64           `json:"rows"`
	Skipped    int64           `json:"skipped"`
	Totals     json.RawMessage `json:"totals"`
	Tolerated  json.RawMessage `json:"tolerated"`
	ImportedAt time.Time       `json:"imported_at"`
	Actor      string          `json:"actor"`
}

// costParams is how many values one INSERT statement carries, below
// SQLite's limit of 32,766 and PostgreSQL's of 65,535.
const costParams = 4000

// ImportCost replaces the cost of imp's periods with data and records the
// import, in the transaction: the previous data of those periods is gone
// and nothing counts twice. It returns the import's ID.
func (tx *Tx) ImportCost(ctx context.Context, imp CostImport, data CostData) (int64, error) {
	daily, months := data.Daily, data.ResourceMonths
	for _, p := range imp.Periods {
		for _, table := range []string{"cost_days", "cost_resource_periods", "cost_commitments", "cost_rows"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE provider = $1 AND billing_account = $2 AND billing_period = $3`,
				p.Provider, p.BillingAccount, p.BillingPeriod); err != nil {
				return 0, fmt.Errorf("store: replace cost of %s %s %s: %w", p.Provider, p.BillingAccount, p.BillingPeriod, err)
			}
		}
	}
	periods, err := json.Marshal(imp.Periods)
	if err != nil {
		return 0, err
	}
	totals, tolerated := string(imp.Totals), string(imp.Tolerated)
	if totals == "" {
		totals = "{}"
	}
	if tolerated == "" || tolerated == "null" {
		tolerated = "[]"
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO cost_imports (source, format, periods, rows, skipped, totals, tolerated, imported_at, actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		imp.Source, imp.Format, string(periods), imp.Rows, imp.Skipped, totals, tolerated, tx.Now(), imp.Actor).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: record cost import: %w", err)
	}
	groups, err := groupDays(daily)
	if err != nil {
		return 0, fmt.Errorf("store: insert daily cost: %w", err)
	}
	var days []byte
	if err := insertBatches(ctx, tx, `INSERT INTO cost_days (provider, billing_account, billing_period, service, team,
		service_category, charge_category, currency, import_id, first_day, last_day, days) VALUES `, 12, len(groups),
		func(i int, args []any) []any {
			g := &groups[i]
			days = appendDays(days[:0], g.days)
			first, last := dayBounds(g.days, g.BillingPeriod)
			return append(args, g.Provider, g.BillingAccount, g.BillingPeriod, g.Service, g.Team, g.ServiceCategory,
				g.ChargeCategory, g.Currency, id, first, last, string(days))
		}); err != nil {
		return 0, fmt.Errorf("store: insert daily cost: %w", err)
	}
	const resCols = 20
	if err := insertBatches(ctx, tx, `INSERT INTO cost_resource_periods (provider, billing_account, billing_period, resource_id,
		resource_name, sub_account, service, team, service_name, service_category, tagged, currency, billed, effective, list,
		rows, import_id, first_day, last_day, days) VALUES `, resCols, len(months),
		func(i int, args []any) []any {
			r := &months[i]
			days = appendDays(days[:0], r.Days)
			first, last := dayBounds(r.Days, r.BillingPeriod)
			return append(args, r.Provider, r.BillingAccount, r.BillingPeriod, r.ResourceID, r.ResourceName, r.SubAccount,
				r.Service, r.Team, r.ServiceName, r.ServiceCategory, r.Tagged, r.Currency, r.Billed, r.Effective, r.List, r.Rows, id,
				first, last, string(days))
		}); err != nil {
		return 0, fmt.Errorf("store: insert resource cost: %w", err)
	}
	const comCols = 16
	if err := insertBatches(ctx, tx, `INSERT INTO cost_commitments (provider, billing_account, billing_period, commitment_id,
		commitment_name, commitment_type, commitment_category, status, charge_category, service_category, currency, billed,
		effective, list, rows, import_id) VALUES `, comCols, len(data.Commitments),
		func(i int, args []any) []any {
			c := data.Commitments[i]
			return append(args, c.Provider, c.BillingAccount, c.BillingPeriod, c.CommitmentID, c.CommitmentName, c.CommitmentType,
				c.CommitmentCategory, c.Status, c.ChargeCategory, c.ServiceCategory, c.Currency, c.Billed, c.Effective, c.List, c.Rows, id)
		}); err != nil {
		return 0, fmt.Errorf("store: insert commitment cost: %w", err)
	}
	const rowCols = 19
	if err := insertBatches(ctx, tx, `INSERT INTO cost_rows (import_id, line, provider, billing_account, billing_period, day,
		sub_account, resource_id, service_name, service_category, charge_category, charge_description, currency, billed,
		effective, list, tags, service, team) VALUES `, rowCols, len(data.Rows),
		func(i int, args []any) []any {
			r := data.Rows[i]
			return append(args, id, r.Line, r.Provider, r.BillingAccount, r.BillingPeriod, r.Day, r.SubAccount, r.ResourceID,
				r.ServiceName, r.ServiceCategory, r.ChargeCategory, r.ChargeDescription, r.Currency, r.Billed, r.Effective, r.List,
				r.Tags, r.Service, r.Team)
		}); err != nil {
		return 0, fmt.Errorf("store: insert raw cost rows: %w", err)
	}
	return id, nil
}

// PruneCostRows deletes the raw rows of days before day (YYYY-MM-DD) and
// returns how many went.
func (tx *Tx) PruneCostRows(ctx context.Context, day string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM cost_rows WHERE day < $1`, day)
	if err != nil {
		return 0, fmt.Errorf("store: prune raw cost rows: %w", err)
	}
	return res.RowsAffected()
}

// CostRows returns the raw rows kept for [from, to) days matching q.
func (s *Store) CostRows(ctx context.Context, q CostQuery, limit int) ([]CostRow, error) {
	c := q.conditions("day")
	rows, err := s.db.QueryContext(ctx, `SELECT line, provider, billing_account, billing_period, day, sub_account, resource_id,
		service_name, service_category, charge_category, charge_description, currency, billed, effective, list, tags, service, team
		FROM cost_rows`+c.where()+fmt.Sprintf(` ORDER BY day, import_id, line LIMIT %d`, pageLimit(limit, 1000, 100000)), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: raw cost rows: %w", err)
	}
	defer rows.Close()
	out := []CostRow{}
	for rows.Next() {
		var r CostRow
		if err := rows.Scan(&r.Line, &r.Provider, &r.BillingAccount, &r.BillingPeriod, &r.Day, &r.SubAccount, &r.ResourceID,
			&r.ServiceName, &r.ServiceCategory, &r.ChargeCategory, &r.ChargeDescription, &r.Currency, &r.Billed, &r.Effective,
			&r.List, &r.Tags, &r.Service, &r.Team); err != nil {
			return nil, fmt.Errorf("store: raw cost rows: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CostCommitments returns the commitment roll-ups of the billing periods
// in [from, to) (YYYY-MM-DD; empty: unbounded).
func (s *Store) CostCommitments(ctx context.Context, from, to string) ([]CostCommitment, error) {
	var c conditions
	if from != "" {
		c.add("billing_period >= $%d", from)
	}
	if to != "" {
		c.add("billing_period < $%d", to)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT provider, billing_account, billing_period, commitment_id, commitment_name,
		commitment_type, commitment_category, status, charge_category, service_category, currency, billed, effective, list, rows
		FROM cost_commitments`+c.where()+` ORDER BY billing_period, provider, commitment_id`, c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: cost commitments: %w", err)
	}
	defer rows.Close()
	out := []CostCommitment{}
	for rows.Next() {
		var x CostCommitment
		if err := rows.Scan(&x.Provider, &x.BillingAccount, &x.BillingPeriod, &x.CommitmentID, &x.CommitmentName, &x.CommitmentType,
			&x.CommitmentCategory, &x.Status, &x.ChargeCategory, &x.ServiceCategory, &x.Currency, &x.Billed, &x.Effective, &x.List, &x.Rows); err != nil {
			return nil, fmt.Errorf("store: cost commitments: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// insertBatches runs prefix with n rows of cols values each, in
// statements of as many rows as fit costParams values; row appends the
// values of row i. The statement of a full batch is prepared once.
func insertBatches(ctx context.Context, tx *Tx, prefix string, cols, n int, row func(i int, args []any) []any) error {
	per := max(1, costParams/cols)
	args := make([]any, 0, min(per, n)*cols)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		if end-start < per {
			if _, err := tx.ExecContext(ctx, valuesSQL(tx.Dialect(), prefix, cols, end-start), args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.tx.PrepareContext(ctx, valuesSQL(tx.Dialect(), prefix, cols, per)); err != nil {
				return err
			}
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// valuesSQL is prefix followed by rows tuples of cols parameters.
func valuesSQL(dialect, prefix string, cols, rows int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if dialect == DialectSQLite {
				// SQLite looks named parameters up in a list, which made
				// a statement of thousands of $N quadratic.
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", i*cols+c+1)
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// CostQuery selects rolled-up cost; zero fields match all.
type CostQuery struct {
	Team, Service string
	// Services, when set, keeps the cost of these services.
	Services []string
	// Provider, when set, keeps one provider's cost.
	Provider string
	// Unallocated selects only cost no service claims.
	Unallocated bool
	// From and To bound the day (YYYY-MM-DD): From <= day < To.
	From, To string
}

func (q CostQuery) conditions(dayColumn string) conditions {
	var c conditions
	if q.Team != "" {
		c.add("team = $%d", q.Team)
	}
	if q.Service != "" {
		c.add("service = $%d", q.Service)
	}
	if q.Unallocated {
		c.add("service = $%d", "")
	}
	if len(q.Services) > 0 {
		in := make([]string, len(q.Services))
		for i, svc := range q.Services {
			c.args = append(c.args, svc)
			in[i] = fmt.Sprintf("$%d", len(c.args))
		}
		c.conds = append(c.conds, "service IN ("+strings.Join(in, ", ")+")")
	}
	if q.Provider != "" {
		c.add("provider = $%d", q.Provider)
	}
	if q.From != "" {
		c.add(dayColumn+" >= $%d", q.From)
	}
	if q.To != "" {
		c.add(dayColumn+" < $%d", q.To)
	}
	return c
}

// CostDays returns the daily roll-ups matching q, by day.
func (s *Store) CostDays(ctx context.Context, q CostQuery) ([]CostDaily, error) {
	c := q.dayConditions()
	rows, err := s.db.QueryContext(ctx, `SELECT provider, billing_account, billing_period, service, team, service_category,
		charge_category, currency, days FROM cost_days`+c.where(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: cost days: %w", err)
	}
	defer rows.Close()
	type group struct {
		key  CostDaily
		days string
	}
	var groups []group
	for rows.Next() {
		var g group
		d := &g.key
		if err := rows.Scan(&d.Provider, &d.BillingAccount, &d.BillingPeriod, &d.Service, &d.Team, &d.ServiceCategory,
			&d.ChargeCategory, &d.Currency, &g.days); err != nil {
			return nil, fmt.Errorf("store: cost days: %w", err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cost days: %w", err)
	}
	// Place each day at its position in day order: count the days first
	// (sorting tens of thousands of rows took longer than reading them).
	// Days are counted in an array indexed from the earliest.
	first, last := int32(1<<30), int32(-1<<30)
	for _, g := range groups {
		for line := range strings.SplitSeq(g.days, "\n") {
			if n, ok := dayNumber(line); ok {
				first, last = min(first, n), max(last, n)
			}
		}
	}
	if first > last {
		return []CostDaily{}, nil
	}
	next := make([]int, last-first+2)
	for _, g := range groups {
		for line := range strings.SplitSeq(g.days, "\n") {
			if n, ok := dayNumber(line); ok && q.holds(line[:10]) {
				next[n-first+1]++
			}
		}
	}
	for i := 1; i < len(next); i++ {
		next[i] += next[i-1]
	}
	out := make([]CostDaily, next[len(next)-1])
	for _, g := range groups {
		d := g.key
		if err := eachDay(g.days, func(x CostDay) {
			if n, ok := dayNumber(x.Day); ok && q.holds(x.Day) {
				d.Day, d.Billed, d.Effective, d.List, d.Contracted, d.Rows = x.Day, x.Billed, x.Effective, x.List, x.Contracted, x.Rows
				out[next[n-first]] = d
				next[n-first]++
			}
		}); err != nil {
			return nil, fmt.Errorf("store: cost days of %s %s in %s: %w", d.Service, d.ServiceCategory, d.BillingPeriod, err)
		}
	}
	return out, nil
}

// dayNumber reads the YYYY-MM-DD at the start of s as a number of days
// that orders days (a proleptic Gregorian day count).
func dayNumber(s string) (int32, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	var v [8]int32
	for i, j := range [8]int{0, 1, 2, 3, 5, 6, 8, 9} {
		c := s[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		v[i] = int32(c - '0')
	}
	y := v[0]*1000 + v[1]*100 + v[2]*10 + v[3]
	m := v[4]*10 + v[5]
	d := v[6]*10 + v[7]
	// Days from civil (H. Hinnant): March-based years make leap days last.
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe, true
}

// dayConditions selects the rows whose days can fall in [q.From, q.To):
// the other conditions of q, and the bounds of each row's days.
func (q CostQuery) dayConditions() conditions {
	days := q
	days.From, days.To = "", ""
	c := days.conditions("")
	if q.From != "" {
		c.add("last_day >= $%d", q.From)
	}
	if q.To != "" {
		c.add("first_day < $%d", q.To)
	}
	return c
}

// dayBounds returns the first and last of days, or the billing period's
// first day when there are none.
func dayBounds(days []CostDay, period string) (first, last string) {
	if len(days) == 0 {
		return period, period
	}
	first, last = days[0].Day, days[0].Day
	for _, d := range days[1:] {
		first, last = min(first, d.Day), max(last, d.Day)
	}
	return first, last
}

// holds reports whether day is in [q.From, q.To).
func (q CostQuery) holds(day string) bool {
	return (q.From == "" || day >= q.From) && (q.To == "" || day < q.To)
}

// costGroup is a daily roll-up's group in a billing period and its days.
type costGroup struct {
	CostDaily
	days []CostDay
}

// groupDays gathers the days of each group, in key order. A day twice in
// a group is an error.
func groupDays(daily []CostDaily) ([]costGroup, error) {
	sorted := slices.Clone(daily)
	slices.SortFunc(sorted, func(a, b CostDaily) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.BillingAccount, b.BillingAccount),
			strings.Compare(a.BillingPeriod, b.BillingPeriod), strings.Compare(a.Service, b.Service), strings.Compare(a.Team, b.Team),
			strings.Compare(a.ServiceCategory, b.ServiceCategory), strings.Compare(a.ChargeCategory, b.ChargeCategory),
			strings.Compare(a.Currency, b.Currency), strings.Compare(a.Day, b.Day))
	})
	var out []costGroup
	for _, d := range sorted {
		day := CostDay{Day: d.Day, Billed: d.Billed, Effective: d.Effective, List: d.List, Contracted: d.Contracted, Rows: d.Rows}
		if n := len(out); n > 0 {
			if g := &out[n-1]; g.CostPeriod == d.CostPeriod && g.Service == d.Service && g.Team == d.Team &&
				g.ServiceCategory == d.ServiceCategory && g.ChargeCategory == d.ChargeCategory && g.Currency == d.Currency {
				if g.days[len(g.days)-1].Day == d.Day {
					return nil, fmt.Errorf("%s of %s %s %s %s twice", d.Day, d.Service, d.ServiceCategory, d.ChargeCategory, d.Currency)
				}
				g.days = append(g.days, day)
				continue
			}
		}
		out = append(out, costGroup{CostDaily: d, days: []CostDay{day}})
	}
	return out, nil
}

// CostResources returns the per-resource, per-day cost matching q.
func (s *Store) CostResources(ctx context.Context, q CostQuery) ([]CostResource, error) {
	c := q.dayConditions()
	rows, err := s.db.QueryContext(ctx, `SELECT provider, billing_account, billing_period, resource_id, resource_name, sub_account,
		service, team, service_name, service_category, tagged, currency, days FROM cost_resource_periods`+c.where(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: cost resources: %w", err)
	}
	defer rows.Close()
	out := []CostResource{}
	for rows.Next() {
		var r CostResource
		var text string
		if err := rows.Scan(&r.Provider, &r.BillingAccount, &r.BillingPeriod, &r.ResourceID, &r.ResourceName, &r.SubAccount,
			&r.Service, &r.Team, &r.ServiceName, &r.ServiceCategory, &r.Tagged, &r.Currency, &text); err != nil {
			return nil, fmt.Errorf("store: cost resources: %w", err)
		}
		if err := eachDay(text, func(d CostDay) {
			if q.holds(d.Day) {
				r.Day, r.Billed, r.Effective, r.List, r.Rows = d.Day, d.Billed, d.Effective, d.List, d.Rows
				out = append(out, r)
			}
		}); err != nil {
			return nil, fmt.Errorf("store: cost resources of %s in %s: %w", r.ResourceID, r.BillingPeriod, err)
		}
	}
	return out, rows.Err()
}

// count counts the rows of table matching c, to size the slice a query
// fills: growing a slice of thousands of rows cost more than the count.
func (s *Store) count(ctx context.Context, table string, c conditions) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+c.where(), c.args...).Scan(&n)
	return n, err
}

// appendDays writes days as the days columns hold them: a line a day,
// "YYYY-MM-DD billed effective list contracted rows".
func appendDays(b []byte, days []CostDay) []byte {
	for i, d := range days {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, d.Day...)
		for _, v := range [...]string{d.Billed, d.Effective, d.List, cmp.Or(d.Contracted, "0")} {
			b = append(b, ' ')
			b = append(b, v...)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, d.Rows, 10)
	}
	return b
}

// eachDay calls fn with each day appendDays wrote in text.
func eachDay(text string, fn func(CostDay)) error {
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			continue
		}
		var f [5]string
		rest := line
		for i := range 5 {
			var ok bool
			if f[i], rest, ok = strings.Cut(rest, " "); !ok {
				return fmt.Errorf("day %q: expected 6 fields", line)
			}
		}
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return fmt.Errorf("day %q: rows: %w", line, err)
		}
		fn(CostDay{Day: f[0], Billed: f[1], Effective: f[2], List: f[3], Contracted: f[4], Rows: n})
	}
	return nil
}

// CostResourceMonths returns the per-resource cost of the billing
// periods in [q.From, q.To) (first days of months) matching q; Day is
// empty.
func (s *Store) CostResourceMonths(ctx context.Context, q CostQuery) ([]CostResource, error) {
	c := q.conditions("billing_period")
	n, err := s.count(ctx, "cost_resource_periods", c)
	if err != nil {
		return nil, fmt.Errorf("store: monthly cost resources: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT provider, billing_account, billing_period, resource_id, resource_name, sub_account,
		service, team, service_name, service_category, tagged, currency, billed, effective, list, rows FROM cost_resource_periods`+c.where(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: monthly cost resources: %w", err)
	}
	defer rows.Close()
	out := make([]CostResource, 0, n)
	for rows.Next() {
		var r CostResource
		if err := rows.Scan(&r.Provider, &r.BillingAccount, &r.BillingPeriod, &r.ResourceID, &r.ResourceName, &r.SubAccount,
			&r.Service, &r.Team, &r.ServiceName, &r.ServiceCategory, &r.Tagged, &r.Currency, &r.Billed, &r.Effective, &r.List, &r.Rows); err != nil {
			return nil, fmt.Errorf("store: monthly cost resources: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CostImports returns the latest imports, newest first.
func (s *Store) CostImports(ctx context.Context, limit int) ([]CostImport, error) {
	limit = pageLimit(limit, DefaultAlertLimit, MaxAlertLimit)
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, format, periods, rows, skipped, totals, tolerated, imported_at, actor
		FROM cost_imports ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: cost imports: %w", err)
	}
	defer rows.Close()
	out := []CostImport{}
	for rows.Next() {
		var i CostImport
		var periods, totals, tolerated []byte
		var at nullTime
		if err := rows.Scan(&i.ID, &i.Source, &i.Format, &periods, &i.Rows, &i.Skipped, &totals, &tolerated, &at, &i.Actor); err != nil {
			return nil, fmt.Errorf("store: cost imports: %w", err)
		}
		if err := json.Unmarshal(periods, &i.Periods); err != nil {
			return nil, fmt.Errorf("store: cost import %d: %w", i.ID, err)
		}
		i.Totals, i.Tolerated, i.ImportedAt = totals, tolerated, at.Time
		out = append(out, i)
	}
	return out, rows.Err()
}
