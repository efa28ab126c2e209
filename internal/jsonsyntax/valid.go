package jsonsyntax

import "encoding/binary"

// MaxDepth is the deepest nesting of arrays and objects Valid accepts,
// encoding/json's own limit.
const MaxDepth = 10000

// Valid reports whether data is one JSON value with optional whitespace
// around it, as encoding/json.Valid does.
func Valid(data []byte) bool {
	var p parser
	p.data = data
	return p.valid()
}

// parser walks data once. Containers open are kept as bits (1: object),
// so that no nesting up to MaxDepth allocates.
type parser struct {
	data  []byte
	i     int
	depth int
	stack [(MaxDepth + 63) / 64]uint64
}

// The places in the grammar the loop can be at.
const (
	atValue = iota // a value must follow
	atKey          // an object key must follow
	atAfter        // a value just ended
)

func (p *parser) valid() bool {
	state := atValue
	for {
		p.skipSpace()
		switch state {
		case atValue:
			next, ok := p.value()
			if !ok {
				return false
			}
			state = next
		case atKey:
			if !p.key() {
				return false
			}
			state = atValue
		case atAfter:
			if p.depth == 0 {
				return p.i == len(p.data)
			}
			next, ok := p.after()
			if !ok {
				return false
			}
			state = next
		}
	}
}

// value reads one value, or opens a container, at p.i (not whitespace).
func (p *parser) value() (next int, ok bool) {
	if p.i >= len(p.data) {
		return 0, false
	}
	switch c := p.data[p.i]; c {
	case '{', '[':
		p.i++
		if !p.push(c == '{') {
			return 0, false
		}
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == closer(c) {
			p.i++
			p.depth--
			return atAfter, true
		}
		if c == '{' {
			return atKey, true
		}
		return atValue, true
	case '"':
		return atAfter, p.str()
	case 't':
		return atAfter, p.literal("true")
	case 'f':
		return atAfter, p.literal("false")
	case 'n':
		return atAfter, p.literal("null")
	default:
		return atAfter, p.number()
	}
}

// key reads `"name" :` at p.i (not whitespace).
func (p *parser) key() bool {
	if p.i >= len(p.data) || p.data[p.i] != '"' || !p.str() {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.data) || p.data[p.i] != ':' {
		return false
	}
	p.i++
	return true
}

// after reads what may follow a value inside a container: a comma or the
// container's closer.
func (p *parser) after() (next int, ok bool) {
	if p.i >= len(p.data) {
		return 0, false
	}
	object := p.top()
	switch c := p.data[p.i]; {
	case c == ',':
		p.i++
		if object {
			return atKey, true
		}
		return atValue, true
	case c == '}' && object, c == ']' && !object:
		p.i++
		p.depth--
		return atAfter, true
	}
	return 0, false
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

func (p *parser) push(object bool) bool {
	if p.depth == MaxDepth {
		return false
	}
	w, b := p.depth/64, uint(p.depth%64)
	if object {
		p.stack[w] |= 1 << b
	} else {
		p.stack[w] &^= 1 << b
	}
	p.depth++
	return true
}

// top: whether the innermost open container is an object.
func (p *parser) top() bool {
	d := p.depth - 1
	return p.stack[d/64]&(1<<uint(d%64)) != 0
}

// isSpace holds JSON's four whitespace bytes.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func (p *parser) skipSpace() {
	d, i := p.data, p.i
	for i < len(d) {
		c := d[i]
		switch {
		case c > ' ':
			p.i = i
			return
		case c == ' ' && i+8 <= len(d) && binary.LittleEndian.Uint64(d[i:]) == spaces:
			i += 8 // indentation comes in runs of spaces
		case isSpace[c]:
			i++
		default:
			p.i = i
			return
		}
	}
	p.i = i
}

const spaces = 0x2020202020202020

// plain holds the string bytes that need no second look: not '"', not
// '\\', not a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string whose opening quote is at p.i.
func (p *parser) str() bool {
	d := p.data
	i := p.i + 1
	for {
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			return false
		}
		switch d[i] {
		case '"':
			p.i = i + 1
			return true
		case '\\':
			n, ok := escape(d[i+1:])
			if !ok {
				return false
			}
			i += 1 + n
		default:
			return false // a control character
		}
	}
}

// escape checks the escape after a backslash and returns its length.
func escape(d []byte) (int, bool) {
	if len(d) == 0 {
		return 0, false
	}
	switch d[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 1, true
	case 'u':
		if len(d) < 5 {
			return 0, false
		}
		for _, c := range d[1:5] {
			if !isHex(c) {
				return 0, false
			}
		}
		return 5, true
	}
	return 0, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (p *parser) literal(word string) bool {
	end := p.i + len(word)
	if end > len(p.data) || string(p.data[p.i:end]) != word {
		return false
	}
	p.i = end
	return true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? at p.i.
func (p *parser) number() bool {
	d, i := p.data, p.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if i = digits(d, i+1); i < 0 {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i = digits(d, i); i < 0 {
			return false
		}
	}
	p.i = i
	return true
}

// digits skips one or more digits from i; -1 when there is none.
func digits(d []byte, i int) int {
	start := i
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
