package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// hclBlock is a block of HCL being written: attributes and nested blocks in
// the order they were added. Consecutive one-line attributes have their "="
// aligned, as terraform fmt does.
type hclBlock struct {
	header string // `resource "superplane_stage" "deploy"`, `filter`
	items  []hclItem
}

// hclItem is an attribute (name = value) or a nested block.
type hclItem struct {
	name  string
	value string // an HCL expression, already rendered; multi-line for maps
	block *hclBlock
}

// hclString renders s as an HCL string literal. "${" and "%{" start
// template sequences in HCL, so they are doubled: a SuperPlane template
// "${{ inputs.X }}" is written "$${{ inputs.X }}".
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(c)
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var hclIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// hclKey renders a map key: bare when it is an identifier, quoted otherwise.
func hclKey(k string) string {
	if hclIdent.MatchString(k) {
		return k
	}
	return hclString(k)
}

// str adds a string attribute; an empty string is left out.
func (b *hclBlock) str(name, v string) {
	if v != "" {
		b.items = append(b.items, hclItem{name: name, value: hclString(v)})
	}
}

// expr adds an attribute whose value is an HCL expression (a reference).
func (b *hclBlock) expr(name, v string) {
	b.items = append(b.items, hclItem{name: name, value: v})
}

// num adds a number attribute.
func (b *hclBlock) num(name string, v int64) {
	b.items = append(b.items, hclItem{name: name, value: strconv.FormatInt(v, 10)})
}

// boolean adds a bool attribute when it is true (false is every default).
func (b *hclBlock) boolean(name string, v bool) {
	if v {
		b.items = append(b.items, hclItem{name: name, value: "true"})
	}
}

// strList adds a list of strings; an empty list is left out.
func (b *hclBlock) strList(name string, vs []string) {
	if len(vs) == 0 {
		return
	}
	var q []string
	for _, v := range vs {
		q = append(q, hclString(v))
	}
	b.items = append(b.items, hclItem{name: name, value: "[" + strings.Join(q, ", ") + "]"})
}

// strMap adds a map of strings, keys sorted; an empty map is left out.
func (b *hclBlock) strMap(name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	width := 0
	for _, k := range keys {
		width = max(width, len(hclKey(k)))
	}
	var lines []string
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("  %-*s = %s", width, hclKey(k), m[k]))
	}
	b.items = append(b.items, hclItem{name: name, value: "{\n" + strings.Join(lines, "\n") + "\n}"})
}

// child adds a nested block and returns it.
func (b *hclBlock) child(header string) *hclBlock {
	c := &hclBlock{header: header}
	b.items = append(b.items, hclItem{block: c})
	return c
}

// write renders the block at the given indentation.
func (b *hclBlock) write(sb *strings.Builder, indent string) {
	fmt.Fprintf(sb, "%s%s {\n", indent, b.header)
	inner := indent + "  "
	for i := 0; i < len(b.items); {
		it := b.items[i]
		if it.block != nil {
			if i > 0 {
				sb.WriteString("\n")
			}
			it.block.write(sb, inner)
			if i+1 < len(b.items) && b.items[i+1].block == nil {
				sb.WriteString("\n")
			}
			i++
			continue
		}
		// A multi-line attribute stands alone, as terraform fmt writes it.
		if strings.Contains(it.value, "\n") {
			fmt.Fprintf(sb, "%s%s = %s\n", inner, it.name, strings.ReplaceAll(it.value, "\n", "\n"+inner))
			i++
			continue
		}
		// A run of one-line attributes: their "=" aligned.
		j, width := i, 0
		for j < len(b.items) && b.items[j].block == nil && !strings.Contains(b.items[j].value, "\n") {
			width = max(width, len(b.items[j].name))
			j++
		}
		for _, a := range b.items[i:j] {
			fmt.Fprintf(sb, "%s%-*s = %s\n", inner, width, a.name, a.value)
		}
		i = j
	}
	fmt.Fprintf(sb, "%s}\n", indent)
}
