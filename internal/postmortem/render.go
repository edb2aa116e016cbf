package postmortem

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// converter is the one Markdown converter the package uses: GitHub-flavoured Markdown
// (tables, strikethrough, autolinks, task lists) with heading IDs. Raw HTML is
// not rendered (goldmark's default: html.WithUnsafe is not set), and neither
// are links or images whose destination goldmark deems dangerous. A goldmark
// Markdown is safe for concurrent use.
var converter = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// Limits that keep rendering cheap. Goldmark's inline parser takes time
// quadratic in the length of one paragraph for some hostile inputs (runs of
// unclosed link openers or emphasis), its block parser time quadratic in the
// nesting depth of block quotes and lists, and GFM pads every table row to
// the header's width, so a wide header over many short lines turns a small
// input into a huge output. Without these limits a 128 KiB document could
// keep a core busy for ten seconds.
const (
	// MaxRenderBytes is the largest Markdown document Render accepts.
	MaxRenderBytes = 256 << 10
	// maxInlineBytes bounds one paragraph, heading or table row.
	maxInlineBytes = 8 << 10
	// maxNesting bounds the block quote and list markers opening one line.
	maxNesting = 32
	// maxTableCells bounds the cells all tables together expand to.
	maxTableCells = 50_000
)

// ErrTooComplex is returned, wrapped, by Render for a document it refuses
// to render because rendering it could take too long: larger than
// MaxRenderBytes, a paragraph or table row over 8 KiB, block quotes or lists
// nested more than 32 deep, or tables expanding to more than 50,000 cells.
var ErrTooComplex = errors.New("postmortem: document too large or complex to render")

// Render converts Markdown into HTML that is safe to insert into a page: raw
// HTML in the input (such as <script> tags or onerror attributes) is
// omitted, and javascript:, vbscript:, file: and non-image data: link
// destinations are dropped. Documents that would be costly to render are
// refused with an error wrapping ErrTooComplex.
func Render(markdown string) (out template.HTML, err error) {
	defer func() {
		// The input is user text: never let a parser bug take the caller down.
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("postmortem: render markdown: %v", r)
		}
	}()
	if err := checkComplexity(markdown); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := converter.Convert([]byte(markdown), &buf); err != nil {
		return "", fmt.Errorf("postmortem: render markdown: %w", err)
	}
	return template.HTML(buf.String()), nil
}

// checkComplexity returns an error wrapping ErrTooComplex when md exceeds
// one of the rendering limits. It parses only the block structure, which is
// linear once nesting is bounded, and measures each block whose inline
// content goldmark would parse.
func checkComplexity(md string) error {
	if len(md) > MaxRenderBytes {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooComplex, len(md), MaxRenderBytes)
	}
	if line, depth := deepestLine(md); depth > maxNesting {
		return fmt.Errorf("%w: line %d nests %d block quotes or list items, the limit is %d", ErrTooComplex, line, depth, maxNesting)
	}
	src := []byte(md)
	doc := blockParser.Parse(text.NewReader(src))
	cells := 0
	var tooLong error
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Type() != ast.TypeBlock || n.IsRaw() || n.Lines().Len() == 0 {
			return ast.WalkContinue, nil
		}
		lines := n.Lines()
		paragraphLines := lines.Len()
		unit := 0
		if _, ok := n.(*ast.Paragraph); ok {
			if i, cols := tableDelimiter(lines, src); i > 0 {
				// A table: the lines before its header stay a paragraph,
				// and each later line becomes a row of cols cells.
				cells += cols * (lines.Len() - i)
				for j := i - 1; j < lines.Len(); j++ {
					seg := lines.At(j)
					unit = max(unit, seg.Len())
				}
				paragraphLines = i - 1
			}
		}
		total := 0
		for j := 0; j < paragraphLines; j++ {
			seg := lines.At(j)
			total += seg.Len()
		}
		if unit = max(unit, total); unit > maxInlineBytes {
			tooLong = fmt.Errorf("%w: a paragraph, heading or table row of %d bytes, the limit is %d (long text such as logs belongs in a fenced code block)", ErrTooComplex, unit, maxInlineBytes)
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if tooLong != nil {
		return tooLong
	}
	if cells > maxTableCells {
		return fmt.Errorf("%w: its tables would have %d cells, the limit is %d", ErrTooComplex, cells, maxTableCells)
	}
	return nil
}

// tableDelimiter returns the index of the first line after the first that
// could be a GFM table delimiter row (such as "| --- | :-: |"), and its
// number of columns; or 0, 0. It accepts at least what goldmark's table
// extension does, so that the cell count it leads to is an upper bound.
func tableDelimiter(lines *text.Segments, src []byte) (index, cols int) {
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		line := strings.TrimSpace(string(seg.Value(src)))
		if !strings.Contains(line, "-") || strings.Trim(line, " \t-|:") != "" {
			continue
		}
		parts := strings.Split(line, "|")
		if strings.TrimSpace(parts[0]) == "" {
			parts = parts[1:]
		}
		if len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
			parts = parts[:len(parts)-1]
		}
		return i, max(len(parts), 1)
	}
	return 0, 0
}

// deepestLine returns the 1-based number of the line of md that opens the
// most block quotes and list items, and how many it opens. Every '>' and
// list marker at the start of a line counts, so the depth is an upper bound
// of what a Markdown parser sees.
func deepestLine(md string) (line, depth int) {
	for i, l := range strings.Split(md, "\n") {
		if d := openingMarkers(l); d > depth {
			line, depth = i+1, d
		}
	}
	return line, depth
}

func openingMarkers(l string) int {
	n := 0
	for i := 0; i < len(l); {
		switch c := l[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '>':
			n++
			i++
		case (c == '-' || c == '*' || c == '+') && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t'):
			n++
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(l) && j-i < 10 && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j < len(l) && (l[j] == '.' || l[j] == ')') && (j+1 == len(l) || l[j+1] == ' ' || l[j+1] == '\t') {
				n++
				i = j + 1
				continue
			}
			return n
		default:
			return n
		}
	}
	return n
}

// blockParser finds the block structure of a document without parsing its
// inline content, which is where most of goldmark's costly cases are.
// Sections needs only the headings, and checkComplexity only the blocks.
// It also leaves out the paragraph transformer that takes link reference
// definitions out of paragraphs, which is quadratic in the number of
// definitions in a row: for checkComplexity they stay part of the paragraph,
// and are measured with it.
var blockParser = parser.NewParser(parser.WithBlockParsers(parser.DefaultBlockParsers()...))

// maxHeadingBytes is the longest heading whose inline Markdown Sections
// parses; a longer one is returned as its raw text.
const maxHeadingBytes = 1 << 10

// Sections returns the text of the H2 headings in markdown, in document order,
// without their inline markup. Headings inside code blocks, block quotes or
// lists do not count, since they are not sections of the document.
func Sections(markdown string) []string {
	if _, depth := deepestLine(markdown); depth > maxNesting {
		// Parsing deep nesting takes quadratic time, and no line nested
		// that deep is a top-level heading: drop such lines.
		lines := strings.Split(markdown, "\n")
		for i, l := range lines {
			if openingMarkers(l) > maxNesting {
				lines[i] = ""
			}
		}
		markdown = strings.Join(lines, "\n")
	}
	src := []byte(markdown)
	doc := blockParser.Parse(text.NewReader(src))
	var out []string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		h, ok := n.(*ast.Heading)
		if !ok || h.Level != 2 {
			continue
		}
		var raw []string
		for i := 0; i < h.Lines().Len(); i++ {
			seg := h.Lines().At(i)
			raw = append(raw, strings.TrimSpace(string(seg.Value(src))))
		}
		out = append(out, headingText(strings.Join(raw, " ")))
	}
	return out
}

// headingText returns the text of a heading's raw content, without inline
// markup.
func headingText(raw string) string {
	if len(raw) > maxHeadingBytes {
		return raw
	}
	// Parsed as an ATX heading of its own, the content keeps the meaning it
	// had in the document: "## 1. Summary" stays a heading, not a list.
	src := []byte("## " + raw)
	doc := converter.Parser().Parse(text.NewReader(src))
	if h, ok := doc.FirstChild().(*ast.Heading); ok {
		return strings.TrimSpace(plainText(h, src))
	}
	return raw
}

// Missing returns the required sections (see RequiredSections) that markdown has
// no H2 heading for, in the required order. Headings match regardless of
// case and spacing.
func Missing(markdown string) []string {
	have := make(map[string]bool)
	for _, s := range Sections(markdown) {
		have[normalizeHeading(s)] = true
	}
	var missing []string
	for _, s := range requiredSections {
		if !have[normalizeHeading(s)] {
			missing = append(missing, s)
		}
	}
	return missing
}

func normalizeHeading(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// plainText returns the text of an inline tree, without markup.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.Label(src))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
