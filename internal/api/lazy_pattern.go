package api

import (
	"regexp"
	"sync"
)

// lazyPattern is a regular expression compiled at its first use. The
// integrations' patterns (AWS, Azure, GCP, Datadog, MongoDB Atlas,
// GitLab) are checked only when such a spec is validated, yet compiled
// at init they were 72% of its start's allocations: 0.89 MB and 8,468
// allocations in every process that links it, each of the four provider
// plugins Terraform starts for an apply among them (BENCHMARKS.md, issue
// 17 round thirteen). The patterns the provider's schemas hold stay
// compiled at init: every plugin process builds those schemas anyway.
type lazyPattern struct {
	expr string
	re   func() *regexp.Regexp
}

// lazy is the pattern of expr, which must compile (TestPatternsCompileSmall
// compiles every one).
func lazy(expr string) *lazyPattern {
	return &lazyPattern{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

func (p *lazyPattern) MatchString(s string) bool { return p.re().MatchString(s) }

func (p *lazyPattern) FindStringSubmatch(s string) []string { return p.re().FindStringSubmatch(s) }

func (p *lazyPattern) String() string { return p.expr }
