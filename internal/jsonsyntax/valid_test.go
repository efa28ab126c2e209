package jsonsyntax

import (
	"encoding/json"
	"strings"
	"testing"
)

// validCases: inputs and the answer, which encoding/json.Valid must give
// too (checked in TestValid, so that a wrong "want" cannot hide).
var validCases = []struct {
	name string
	in   string
	want bool
}{
	{"empty", "", false},
	{"only space", " \t\r\n", false},
	{"null", "null", true},
	{"true in space", " \ttrue\r\n", true},
	{"false", "false", true},
	{"short literal", "tru", false},
	{"long literal", "nulll", false},
	{"capital literal", "True", false},
	{"object", `{"a": 1, "b": [true, null, "x"], "c": {}}`, true},
	{"empty containers", `[[], {}, [{}], {"a": []}]`, true},
	{"config", `{"mcpServers": {"s": {"command": "npx", "args": ["-y", "pkg"], "env": {"KEY": "v"}}}}`, true},
	{"unclosed object", `{"a": 1`, false},
	{"unclosed array", `[1, 2`, false},
	{"mismatched closer", `[1}`, false},
	{"mismatched closer in object", `{"a": 1]`, false},
	{"extra closer", `[1]]`, false},
	{"trailing comma in array", `[1,]`, false},
	{"trailing comma in object", `{"a": 1,}`, false},
	{"leading comma", `[,1]`, false},
	{"missing comma", `[1 2]`, false},
	{"missing colon", `{"a" 1}`, false},
	{"missing value", `{"a":}`, false},
	{"non-string key", `{1: 2}`, false},
	{"bare word key", `{a: 2}`, false},
	{"two values", `1 2`, false},
	{"trailing garbage", `{} x`, false},
	{"trailing NUL", "{}\x00", false},
	{"comment", "{} // c", false},
	{"block comment", "/* c */ {}", false},
	{"byte order mark", "\xef\xbb\xbf{}", false},
	{"form feed is not space", "\f{}", false},
	{"vertical tab is not space", "{}\v", false},
	{"non-breaking space is not space", "\u00a0{}", false},

	{"zero", "0", true},
	{"negative zero", "-0", true},
	{"integer", "1234567890", true},
	{"negative", "-12", true},
	{"fraction", "3.25", true},
	{"exponent", "1e10", true},
	{"exponent signs", "[1E+2, 1e-2, -0.5E-0]", true},
	{"leading zero", "01", false},
	{"negative leading zero", "-01", false},
	{"plus sign", "+1", false},
	{"lone minus", "-", false},
	{"dot without digits", "1.", false},
	{"leading dot", ".5", false},
	{"exponent without digits", "1e", false},
	{"exponent sign without digits", "1e+", false},
	{"double minus", "--1", false},
	{"hex", "0x10", false},
	{"NaN", "NaN", false},
	{"infinity", "-Infinity", false},
	{"huge number", "1" + strings.Repeat("0", 400), true},

	{"string", `"abc"`, true},
	{"unterminated string", `"abc`, false},
	{"escapes", `"\" \\ \/ \b \f \n \r \t"`, true},
	{"unicode escape", `"\u00e9\uD83D\uDE00"`, true},
	{"lone surrogate escape", `"\ud800"`, true},
	{"short unicode escape", `"\u12"`, false},
	{"bad hex in escape", `"\u12G4"`, false},
	{"unknown escape", `"\x41"`, false},
	{"escaped single quote", `"\'"`, false},
	{"backslash at end", `"\`, false},
	{"escaped quote at end", `"\"`, false},
	{"raw newline in string", "\"a\nb\"", false},
	{"raw tab in string", "\"a\tb\"", false},
	{"raw NUL in string", "\"a\x00b\"", false},
	{"DEL in string", "\"a\x7fb\"", true},
	{"UTF-8 in string", `"été 🙂"`, true},
	{"invalid UTF-8 in string", "\"\xff\xfe\"", true},
	{"truncated UTF-8 in string", "\"\xe2\x82\"", true},
	{"surrogate encoded as UTF-8", "\"\xed\xa0\x80\"", true},
	{"U+2028 in string", "\"\u2028\"", true},
	{"invalid UTF-8 outside strings", "[\xff]", false},
	{"single quotes", `'a'`, false},

	{"nesting at the limit", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true},
	{"nesting past the limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
	{"objects at the limit", strings.Repeat(`{"a":`, MaxDepth-1) + "{}" + strings.Repeat("}", MaxDepth-1), true},
	{"objects past the limit", strings.Repeat(`{"a":`, MaxDepth) + "{}" + strings.Repeat("}", MaxDepth), false},
	{"mixed nesting", strings.Repeat(`[{"a":`, 70) + "1" + strings.Repeat("}]", 70), true},
	{"mixed nesting closed wrongly", strings.Repeat(`[{"a":`, 70) + "1" + strings.Repeat("]}", 70), false},
	{"deep unclosed", strings.Repeat("[", 100000), false},
}

func TestValid(t *testing.T) {
	for _, c := range validCases {
		t.Run(c.name, func(t *testing.T) {
			if std := json.Valid([]byte(c.in)); std != c.want {
				t.Fatalf("encoding/json.Valid says %v, the case says %v: fix the case", std, c.want)
			}
			if got := Valid([]byte(c.in)); got != c.want {
				t.Errorf("Valid(%q) = %v, want %v", abbrev(c.in), got, c.want)
			}
		})
	}
}

// TestValidEveryPrefix: every proper prefix of a valid document that is
// not itself a value is refused, as encoding/json refuses it.
func TestValidEveryPrefix(t *testing.T) {
	doc := `{"a": [1, -2.5e+3, true, false, null, "s\u00e9\n"], "b": {"c": {}}, "d": []}`
	for n := range len(doc) + 1 {
		in := []byte(doc[:n])
		if got, want := Valid(in), json.Valid(in); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", in, got, want)
		}
	}
}

func TestValidAllocatesNothing(t *testing.T) {
	deep := []byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	if n := testing.AllocsPerRun(10, func() { Valid(deep) }); n != 0 {
		t.Errorf("%v allocations per call, want 0", n)
	}
}

func abbrev(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
