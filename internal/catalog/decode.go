package catalog

import (
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
)

// decoder turns a YAML node tree into Go values. Unlike a plain unmarshal
// it keeps going after an error, so that one lint run reports every
// problem of a document, and it records the position of every value by its
// field path, so that later checks (a dangling owner, a cycle) can point
// at the exact line.
type decoder struct {
	file   string
	diags  *Diagnostics
	strict bool // report unknown fields
	pos    map[string]Pos
	depth  int
}

// maxDepth bounds nesting; no kiban document comes close.
const maxDepth = 32

func (d *decoder) errorf(n ast.Node, path, format string, args ...any) {
	p := nodePos(n)
	*d.diags = append(*d.diags, Diagnostic{
		File: d.file, Line: p.Line, Col: p.Col, Path: path,
		Severity: SeverityError, Message: fmt.Sprintf(format, args...),
	})
}

func nodePos(n ast.Node) Pos {
	if n == nil {
		return Pos{}
	}
	// A block mapping's own token is the first ':'; its first key is where
	// a reader sees the mapping start.
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		return nodePos(m.Values[0].Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Col: tk.Position.Column}
}

// unwrap resolves anchors and tags to the node that holds the value.
// Aliases are not followed: they are reported, which also rules out
// documents whose aliases expand exponentially.
func unwrap(n ast.Node) ast.Node {
	for range 32 {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
	return n
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func joinKey(path, key string) string {
	for _, r := range key {
		if !(r == '-' || r == '_' || r == '/' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return path + "[" + strconv.Quote(key) + "]"
		}
	}
	return joinField(path, key)
}

func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "nothing"
	case *ast.IntegerNode, *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.AliasNode:
		return "an alias"
	default:
		return "a string"
	}
}

// scalarText returns the text of a scalar node as written, so that an
// unquoted account id such as 012345678901 keeps its leading zero.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

type fieldInfo struct {
	name  string
	index int
}

type structInfo struct {
	fields map[string]fieldInfo
	names  []string // sorted, for "expected one of"
}

var structCache sync.Map // reflect.Type → *structInfo

func structFields(t reflect.Type) *structInfo {
	if v, ok := structCache.Load(t); ok {
		return v.(*structInfo)
	}
	si := &structInfo{fields: map[string]fieldInfo{}}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name[:1]) + f.Name[1:]
		}
		si.fields[name] = fieldInfo{name: name, index: i}
		si.names = append(si.names, name)
	}
	slices.Sort(si.names)
	structCache.Store(t, si)
	return si
}

// decode stores node into v (a settable value), reporting problems under
// path.
func (d *decoder) decode(node ast.Node, v reflect.Value, path string) {
	node = unwrap(node)
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.errorf(node, path, "nested too deeply")
		return
	}
	if d.pos != nil {
		d.pos[path] = nodePos(node)
	}
	if _, ok := node.(*ast.AliasNode); ok {
		d.errorf(node, path, "aliases are not supported here; write the value out")
		return
	}
	if _, isNull := node.(*ast.NullNode); isNull || node == nil {
		return // leave the zero value
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(node, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(node, v, path)
	case reflect.Slice:
		seq, ok := node.(*ast.SequenceNode)
		if !ok {
			d.errorf(node, path, "expected a list, found %s", nodeKind(node))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, out.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(out)
	case reflect.Map:
		m, ok := node.(*ast.MappingNode)
		if !ok {
			d.errorf(node, path, "expected a mapping of names to values, found %s", nodeKind(node))
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m.Values))
		for key, mv := range d.entries(m, path, joinKey) {
			kp := joinKey(path, key)
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(mv.Value, ev, kp)
			d.keyPos(mv, kp)
			out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	case reflect.String:
		s, ok := scalarText(node)
		if !ok {
			d.errorf(node, path, "expected a string, found %s", nodeKind(node))
			return
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		s, _ := scalarText(node)
		n, err := strconv.ParseInt(s, 10, 64)
		if _, isInt := node.(*ast.IntegerNode); !isInt || err != nil {
			d.errorf(node, path, "expected a whole number, found %s", describe(node))
			return
		}
		v.SetInt(n)
	case reflect.Float64:
		s, _ := scalarText(node)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.errorf(node, path, "expected a number, found %s", describe(node))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, ok := node.(*ast.BoolNode)
		if !ok {
			d.errorf(node, path, "expected true or false, found %s", describe(node))
			return
		}
		v.SetBool(b.Value)
	case reflect.Interface:
		// Free-form values (for example unknown Backstage fields) are kept
		// as their YAML text.
		if s, ok := scalarText(node); ok {
			v.Set(reflect.ValueOf(s))
		}
	default:
		panic(fmt.Sprintf("catalog: decode into unsupported kind %s", v.Kind()))
	}
}

func describe(n ast.Node) string {
	if s, ok := scalarText(n); ok {
		return fmt.Sprintf("%s %q", nodeKind(n), s)
	}
	return nodeKind(n)
}

func (d *decoder) decodeStruct(node ast.Node, v reflect.Value, path string) {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		d.errorf(node, path, "expected a mapping, found %s", describe(node))
		return
	}
	si := structFields(v.Type())
	for key, mv := range d.entries(m, path, joinField) {
		fp := joinField(path, key)
		fi, ok := si.fields[key]
		if !ok {
			if d.strict {
				d.errorf(mv.Key, fp, "unknown field %q%s", key, expectedFields(key, si.names))
			}
			continue
		}
		d.decode(mv.Value, v.Field(fi.index), fp)
		d.keyPos(mv, fp)
	}
}

// expectedFields says which fields were possible, leading with the closest
// one when the unknown field looks like a typo.
func expectedFields(key string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := editDistance(strings.ToLower(key), strings.ToLower(n)); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q? (expected one of: %s)", best, strings.Join(names, ", "))
	}
	return "; expected one of: " + strings.Join(names, ", ")
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// reflectValue returns the settable value a pointer points to.
func reflectValue(ptr any) reflect.Value { return reflect.ValueOf(ptr).Elem() }

// keyPos makes a mapping or list value point at its key: "spec:" is where
// a reader looks for a problem with the whole spec.
func (d *decoder) keyPos(mv *ast.MappingValueNode, path string) {
	if d.pos == nil {
		return
	}
	switch unwrap(mv.Value).(type) {
	case *ast.MappingNode, *ast.SequenceNode, *ast.NullNode:
		d.pos[path] = nodePos(mv.Key)
	}
}

// entries yields the keys of a mapping and their entries, reporting (and
// skipping) merge keys, keys that are not plain scalars and duplicates.
// join makes a key's path for the messages.
func (d *decoder) entries(m *ast.MappingNode, path string, join func(path, key string) string) iter.Seq2[string, *ast.MappingValueNode] {
	return func(yield func(string, *ast.MappingValueNode) bool) {
		seen := make(map[string]bool, len(m.Values))
		for _, mv := range m.Values {
			if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
				d.errorf(mv.Key, path, "merge keys (<<) are not supported; write the fields out")
				continue
			}
			key, ok := scalarText(unwrap(mv.Key))
			if !ok {
				d.errorf(mv.Key, path, "expected a plain key, found %s", nodeKind(mv.Key))
				continue
			}
			if seen[key] {
				d.errorf(mv.Key, join(path, key), "duplicate key %q", key)
				continue
			}
			seen[key] = true
			if !yield(key, mv) {
				return
			}
		}
	}
}
