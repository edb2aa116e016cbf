package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Postmortem review states.
const (
	PostmortemDraft     = "draft"
	PostmortemInReview  = "in_review"
	PostmortemPublished = "published"
)

// Postmortem is the blameless review of one incident.
type Postmortem struct {
	IncidentID    int64      `json:"incident_id"`
	Status        string     `json:"status"`
	Body          string     `json:"body"` // Markdown
	CauseCategory string     `json:"cause_category"`
	Tags          []string   `json:"tags"`
	Author        string     `json:"author"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	PublishedAt   *time.Time `json:"published_at"`
	// Version counts saves; a save that names an older version is refused
	// so that two editors do not overwrite each other.
	Version int `json:"version"`
}

// ErrConflictingVersion is returned when a postmortem changed since the
// version an editor started from.
var ErrConflictingVersion = errors.New("the postmortem changed since you opened it")

// Postmortem returns the postmortem of an incident, or ErrNotFound.
func (s *Store) Postmortem(ctx context.Context, incidentID int64) (Postmortem, error) {
	return postmortem(ctx, s.db, incidentID)
}

// Postmortem reads the postmortem of an incident in the transaction.
func (tx *Tx) Postmortem(ctx context.Context, incidentID int64) (Postmortem, error) {
	return postmortem(ctx, tx.tx, incidentID)
}

func postmortem(ctx context.Context, q querier, incidentID int64) (Postmortem, error) {
	var p Postmortem
	var created, updated, published nullTime
	err := q.QueryRowContext(ctx, `SELECT incident_id, status, body, cause_category, author, created_at, updated_at,
		published_at, version FROM postmortems WHERE incident_id = $1`, incidentID).
		Scan(&p.IncidentID, &p.Status, &p.Body, &p.CauseCategory, &p.Author, &created, &updated, &published, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Postmortem{}, fmt.Errorf("store: postmortem of incident %d: %w", incidentID, ErrNotFound)
	}
	if err != nil {
		return Postmortem{}, fmt.Errorf("store: postmortem of incident %d: %w", incidentID, err)
	}
	p.CreatedAt, p.UpdatedAt, p.PublishedAt = created.Time, updated.Time, published.ptr()
	p.Tags = []string{}
	rows, err := q.QueryContext(ctx, `SELECT tag FROM postmortem_tags WHERE incident_id = $1 ORDER BY tag`, incidentID)
	if err != nil {
		return Postmortem{}, fmt.Errorf("store: postmortem of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return Postmortem{}, err
		}
		p.Tags = append(p.Tags, tag)
	}
	return p, rows.Err()
}

// SavePostmortem creates or replaces the postmortem p.IncidentID and its
// search index entry (title is the incident's). When the postmortem exists
// and p.Version is not zero, p.Version must be the stored version, else
// ErrConflictingVersion. It returns the new version.
func (tx *Tx) SavePostmortem(ctx context.Context, p Postmortem, title string) (int, error) {
	switch p.Status {
	case PostmortemDraft, PostmortemInReview, PostmortemPublished:
	default:
		return 0, fmt.Errorf("store: save postmortem: %w: status %q is not draft, in_review or published", ErrInvalid, p.Status)
	}
	now := tx.Now()
	old, err := tx.Postmortem(ctx, p.IncidentID)
	version := 1
	switch {
	case errors.Is(err, ErrNotFound):
		_, err = tx.ExecContext(ctx, `INSERT INTO postmortems (incident_id, status, body, cause_category, author,
			created_at, updated_at, published_at, version) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, 1)`,
			p.IncidentID, p.Status, p.Body, p.CauseCategory, p.Author, now, timeArg(p.PublishedAt))
	case err != nil:
		return 0, err
	default:
		if p.Version != 0 && p.Version != old.Version {
			return 0, fmt.Errorf("store: save postmortem of incident %d: %w (version %d, now %d)", p.IncidentID, ErrConflictingVersion, p.Version, old.Version)
		}
		version = old.Version + 1
		_, err = tx.ExecContext(ctx, `UPDATE postmortems SET status = $1, body = $2, cause_category = $3, updated_at = $4,
			published_at = $5, version = $6 WHERE incident_id = $7`,
			p.Status, p.Body, p.CauseCategory, now, timeArg(p.PublishedAt), version, p.IncidentID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: save postmortem of incident %d: %w", p.IncidentID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM postmortem_tags WHERE incident_id = $1`, p.IncidentID); err != nil {
		return 0, err
	}
	for _, tag := range dedupe(p.Tags) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO postmortem_tags (incident_id, tag) VALUES ($1, $2)`, p.IncidentID, tag); err != nil {
			return 0, fmt.Errorf("store: postmortem tag %s: %w", tag, err)
		}
	}
	if err := tx.indexPostmortem(ctx, p.IncidentID, title, p.Body); err != nil {
		return 0, fmt.Errorf("store: index postmortem of incident %d: %w", p.IncidentID, err)
	}
	return version, nil
}

// ReindexPostmortemTitle refreshes the search entry of an incident's
// postmortem after the incident's title changed.
func (tx *Tx) ReindexPostmortemTitle(ctx context.Context, incidentID int64, title string) error {
	p, err := tx.Postmortem(ctx, incidentID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.indexPostmortem(ctx, incidentID, title, p.Body)
}

func (tx *Tx) indexPostmortem(ctx context.Context, id int64, title, body string) error {
	if tx.Dialect() == DialectPostgres {
		_, err := tx.ExecContext(ctx, `UPDATE postmortems SET search =
			setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $2), 'B') WHERE incident_id = $3`,
			title, body, id)
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM postmortem_search WHERE rowid = $1`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO postmortem_search (rowid, title, body) VALUES ($1, $2, $3)`, id, title, body)
	return err
}

// PostmortemQuery selects postmortems for the library; zero fields match
// all.
type PostmortemQuery struct {
	// Text is a full-text query: every word must appear (stemmed, so
	// "timeouts" finds "timeout").
	Text          string
	Service       string
	Team          string
	Tag           string
	CauseCategory string
	Status        string // a review state; empty means any
	Limit         int    // DefaultIncidentLimit when 0
}

// PostmortemHit is one postmortem found in the library.
type PostmortemHit struct {
	Incident   Incident   `json:"incident"`
	Postmortem Postmortem `json:"postmortem"`
	// Snippet is plain text around the matches, which are marked with
	// « and »; empty without a text query.
	Snippet string `json:"snippet,omitempty"`
}

// searchTerms turns free text into words for both full-text engines:
// letters and digits only, so that no query syntax reaches the engine.
func searchTerms(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// SearchPostmortems returns the postmortems matching q: by relevance for
// a text query, else newest incident first.
func (s *Store) SearchPostmortems(ctx context.Context, q PostmortemQuery) ([]PostmortemHit, error) {
	var c conditions
	terms := searchTerms(q.Text)
	var rank, snippet, sqliteMatch string
	from := `postmortems p JOIN incidents i ON i.id = p.incident_id`
	if len(terms) > 0 {
		if s.dialect == DialectPostgres {
			c.add("p.search @@ plainto_tsquery('english', $%d)", strings.Join(terms, " "))
			n := len(c.args)
			rank = fmt.Sprintf("ts_rank(p.search, plainto_tsquery('english', $%d)) DESC, ", n)
			snippet = fmt.Sprintf("ts_headline('english', p.body, plainto_tsquery('english', $%d), 'StartSel=«,StopSel=»,MaxWords=30,MinWords=10')", n)
		} else {
			quoted := make([]string, len(terms))
			for k, t := range terms {
				quoted[k] = `"` + t + `"`
			}
			from += ` JOIN postmortem_search ON postmortem_search.rowid = p.incident_id`
			c.add("postmortem_search MATCH $%d", strings.Join(quoted, " "))
			rank = "bm25(postmortem_search, 10.0, 1.0), "
			// Snippets are made for the page of hits only (below):
			// SQLite would make one for every match before sorting.
			snippet = "''"
			sqliteMatch = strings.Join(quoted, " ")
		}
	} else {
		snippet = "''"
	}
	if q.Service != "" {
		c.add("p.incident_id IN (SELECT incident_id FROM incident_services WHERE service = $%d)", q.Service)
	}
	if q.Team != "" {
		c.add("i.team = $%d", q.Team)
	}
	if q.Tag != "" {
		c.add("p.incident_id IN (SELECT incident_id FROM postmortem_tags WHERE tag = $%d)", q.Tag)
	}
	if q.CauseCategory != "" {
		c.add("p.cause_category = $%d", q.CauseCategory)
	}
	if q.Status != "" {
		c.add("p.status = $%d", q.Status)
	}
	limit := pageLimit(q.Limit, DefaultIncidentLimit, MaxIncidentLimit)
	rows, err := s.db.QueryContext(ctx, `SELECT p.incident_id, `+snippet+` FROM `+from+c.where()+
		` ORDER BY `+rank+`i.started_at DESC, i.id DESC`+fmt.Sprintf(" LIMIT %d", limit), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: search postmortems: %w", err)
	}
	type found struct {
		id      int64
		snippet string
	}
	var ids []found
	for rows.Next() {
		var f found
		if err := rows.Scan(&f.id, &f.snippet); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search postmortems: %w", err)
		}
		ids = append(ids, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search postmortems: %w", err)
	}
	out := make([]PostmortemHit, 0, len(ids))
	for _, f := range ids {
		inc, err := s.Incident(ctx, f.id)
		if err != nil {
			return nil, err
		}
		p, err := s.Postmortem(ctx, f.id)
		if err != nil {
			return nil, err
		}
		if sqliteMatch != "" {
			if err := s.db.QueryRowContext(ctx, `SELECT snippet(postmortem_search, 1, '«', '»', '…', 24) FROM postmortem_search
				WHERE postmortem_search MATCH $1 AND rowid = $2`, sqliteMatch, f.id).Scan(&f.snippet); err != nil {
				return nil, fmt.Errorf("store: search postmortems: snippet: %w", err)
			}
		}
		out = append(out, PostmortemHit{Incident: inc, Postmortem: p, Snippet: f.snippet})
	}
	return out, nil
}

// PostmortemFacets lists the tags and cause categories in use, for the
// library's filters.
func (s *Store) PostmortemFacets(ctx context.Context) (tags, causes []string, err error) {
	for _, f := range []struct {
		query string
		dst   *[]string
	}{
		{`SELECT DISTINCT tag FROM postmortem_tags`, &tags},
		{`SELECT DISTINCT cause_category FROM postmortems WHERE cause_category <> ''`, &causes},
	} {
		rows, err := s.db.QueryContext(ctx, f.query)
		if err != nil {
			return nil, nil, fmt.Errorf("store: postmortem facets: %w", err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, nil, err
			}
			*f.dst = append(*f.dst, v)
		}
		rows.Close()
		sort.Strings(*f.dst)
	}
	return tags, causes, nil
}
