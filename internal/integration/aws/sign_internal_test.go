package aws

import (
	"net/http"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
)

// TestSigV4GetVanilla reproduces the "get-vanilla" case of AWS's SigV4 test
// suite: GET / to example.amazonaws.com at 20150830T123600Z, service
// "service" in us-east-1, signed with the suite's example key.
func TestSigV4GetVanilla(t *testing.T) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.amazonaws.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := sdkaws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	if err := signV4(t.Context(), creds, req, nil, "service", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	const want = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization\n got %s\nwant %s", got, want)
	}
	if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
		t.Fatalf("X-Amz-Date = %q", got)
	}
}

func TestServiceRegionFromHost(t *testing.T) {
	for host, want := range map[string][2]string{
		"lambda.eu-west-1.amazonaws.com":          {"lambda", "eu-west-1"},
		"bucket.s3.us-east-2.amazonaws.com":       {"s3", "us-east-2"},
		"sts.amazonaws.com":                       {"sts", ""},
		"lambda.us-gov-west-1.amazonaws.com:443":  {"lambda", "us-gov-west-1"},
		"cloudbuild.cn-north-1.amazonaws.com.cn":  {"cloudbuild", "cn-north-1"},
		"abc.execute-api.eu-west-1.amazonaws.com": {"execute-api", "eu-west-1"},
		"example.com":                {"", ""},
		"127.0.0.1:8080":             {"", ""},
		"amazonaws.com.evil.example": {"", ""},
	} {
		s, r := serviceRegion(host)
		if s != want[0] || r != want[1] {
			t.Errorf("serviceRegion(%q) = %q, %q; want %q, %q", host, s, r, want[0], want[1])
		}
	}
}
