package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// complete runs the bash completion function for line (the word being
// completed is the last one, possibly empty) and returns its candidates.
func complete(t *testing.T, script, line string) []string {
	t.Helper()
	words := strings.Split(line, " ")
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+w+"'")
	}
	prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
		strconv.Itoa(len(words)-1) + "\n_superplane\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	out, err := exec.Command("bash", "--norc", "--noprofile", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// TestCompletion: the bash script completes commands, kinds, flags and
// values; zsh and fish scripts are produced (and checked by their shells
// where installed).
func TestCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	c := loggedOut(t)
	script := filepath.Join(t.TempDir(), "superplane.bash")
	if err := os.WriteFile(script, []byte(c.ok("completion", "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"superplane ap":                    "approve",
		"superplane get ev":                "event-sources events",
		"superplane describe st":           "stages",
		"superplane get con":               "connection-groups",
		"superplane get stages --can":      "--canvas",
		"superplane watch --st":            "--stage",
		"superplane get canvases -o ":      "table json",
		"superplane completion f":          "fish",
		"superplane events --state wa":     "waiting",
		"superplane emit --canvas x --sou": "--source",
		"superplane login --token":         "--token-stdin",
	} {
		if got := strings.Join(complete(t, script, line), " "); got != want {
			t.Errorf("%q completes to %q, want %q", line, got, want)
		}
	}
	zsh := c.ok("completion", "zsh")
	fish := c.ok("completion", "fish")
	if !strings.HasPrefix(zsh, "#compdef superplane") || !strings.Contains(fish, "-a approve") || !strings.Contains(fish, "-l canvas") {
		t.Errorf("zsh or fish script incomplete")
	}
	for shell, body := range map[string]string{"zsh": zsh, "fish": fish} {
		if _, err := exec.LookPath(shell); err != nil {
			continue
		}
		f := filepath.Join(t.TempDir(), "c."+shell)
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(shell, "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, out)
		}
	}
	if msg := c.fails(2, "completion", "tcsh"); !strings.Contains(msg, "bash, zsh or fish") {
		t.Errorf("unknown shell: %s", msg)
	}
}
