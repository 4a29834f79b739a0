package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestQuietSDKLogs: with no Terraform logging asked for, the SDK's log
// sinks are turned off; with any of TF_LOG and TF_LOG_* set, they are left
// as the user has them, so TF_LOG=trace still shows everything.
func TestQuietSDKLogs(t *testing.T) {
	sinks := []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}
	unset := func() {
		for _, v := range append([]string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SUPERPLANE"}, sinks...) {
			t.Setenv(v, "")
		}
	}

	unset()
	quietSDKLogs()
	for _, v := range sinks {
		if got := os.Getenv(v); got != "OFF" {
			t.Errorf("without TF_LOG: %s = %q, want OFF", v, got)
		}
	}

	for _, asked := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK_PROTO"} {
		unset()
		t.Setenv(asked, "TRACE")
		quietSDKLogs()
		for _, v := range sinks {
			if v != asked && os.Getenv(v) != "" {
				t.Errorf("with %s set: %s = %q, want it left unset", asked, v, os.Getenv(v))
			}
		}
	}
}

// TestLessGC: GOGC=400 unless GOGC is set.
func TestLessGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	lessGC()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GC percent %d without GOGC, want 400", got)
	}
	t.Setenv("GOGC", "50")
	lessGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set, want it left alone (100 here)", got)
	}
}
