package api

import (
	"regexp/syntax"
	"strings"
	"testing"
)

// TestValidateAWSRoleARN keeps the ARN rule: a 12-digit account, a role
// path and name of 1 to 512 characters, partitions such as aws-cn.
func TestValidateAWSRoleARN(t *testing.T) {
	prefix := "arn:aws:iam::123456789012:role/"
	for _, c := range []struct {
		arn string
		ok  bool
	}{
		{prefix + "superplane", true},
		{"arn:aws-cn:iam::123456789012:role/ci/deploy", true},
		{prefix + strings.Repeat("r", 512), true},
		{prefix + strings.Repeat("r", 513), false},
		{prefix, false},
		{"arn:aws:iam::12345678901:role/x", false},
		{prefix + "a b", false},
		{"arn:aws:iam::123456789012:user/x", false},
	} {
		err := ValidateAWSRoleARN("role_arn", c.arn)
		if (err == nil) != c.ok {
			t.Errorf("ValidateAWSRoleARN(%.60q…) = %v, want ok %v", c.arn, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "role_arn") {
			t.Errorf("error %q does not name the field", err)
		}
	}
}

// TestPatternsCompileSmall: every process that links this package (the
// server, each provider plugin Terraform starts) compiles its patterns at
// start. A counted repetition such as {1,512} compiles into that many
// copies: the role ARN's once took 16 ms of every start. No pattern may
// compile to more than 1,000 instructions (the old one: 1,064).
func TestPatternsCompileSmall(t *testing.T) {
	for _, re := range []interface{ String() string }{awsRegionPattern, awsRoleARNPattern, awsExternalIDPattern,
		guidPattern, tenantDomain, azureAudienceChars, gcpProjectPattern, gcpAudiencePattern, gcpAccountPattern,
		gitlabProjectPattern, NamePattern, IdentifierPattern, TimeOfDayPattern, TimeWindowEndPattern, RepositoryPattern, EventTypePattern} {
		parsed, err := syntax.Parse(re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := syntax.Compile(parsed.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(prog.Inst); n > 1000 {
			t.Errorf("%s compiles to %d instructions", re, n)
		}
	}
}
