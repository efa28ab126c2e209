package jsonsyntax

import (
	"encoding/json"
	"testing"
)

// FuzzValid: Valid and encoding/json.Valid agree on every input.
// go test -fuzz FuzzValid ./internal/jsonsyntax
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		if len(c.in) < 1000 {
			f.Add([]byte(c.in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}
