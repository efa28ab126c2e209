package mcpconfig

import (
	"strings"
	"testing"
)

func TestMaskArgs(t *testing.T) {
	const secret = "sk-test-SECRET-0123456789"
	args := []string{"claude", "mcp", "add", "x", "-e", "API_KEY=" + secret, "--token=" + secret, "--api-key", secret, "GITHUB_TOKEN=" + secret, "npx", "server"}
	got := strings.Join(MaskArgs(args), " ")
	if strings.Contains(got, secret) {
		t.Fatalf("secret shown: %s", got)
	}
	for _, keep := range []string{"claude mcp add x", "npx server", "API_KEY=", "--api-key"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%q lost from %s", keep, got)
		}
	}
}
