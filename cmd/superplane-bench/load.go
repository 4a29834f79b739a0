package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// httpClient keeps connections alive for every worker, so a measurement
// counts requests, not TCP handshakes.
var httpClient = &http.Client{
	Timeout: 60 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	},
}

// phase is the outcome of one bounded load run.
type phase struct {
	Count   int
	Errors  int
	Elapsed time.Duration
	// FirstError is the first failure, for the report.
	FirstError string
	// ClientCPU is this process's CPU time during the phase, in seconds:
	// the load generator shares the machine with the server.
	ClientCPU float64
	latencies []time.Duration
}

// perSecond is the rate of successful operations.
func (p phase) perSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Count-p.Errors) / p.Elapsed.Seconds()
}

// percentile is the q-th (0-1) latency of the successful operations.
func (p phase) percentile(q float64) time.Duration {
	return percentile(p.latencies, q)
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// runLoad calls op from concurrency workers until maxCount calls started or
// maxTime passed, whichever comes first, and measures each call.
func runLoad(ctx context.Context, concurrency, maxCount int, maxTime time.Duration, op func(ctx context.Context, i int) error) phase {
	return runLoadAt(ctx, concurrency, maxCount, maxTime, 0, op)
}

// runLoadAt is runLoad offering at most rate calls a second (0: as fast as
// the workers go): call i starts no earlier than i/rate seconds into the
// phase, so two servers that both keep up do the same work a second and
// their CPU a call compares like for like. A call's latency is measured
// from its own start, not from its slot.
func runLoadAt(ctx context.Context, concurrency, maxCount int, maxTime time.Duration, rate float64, op func(ctx context.Context, i int) error) phase {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		wg       sync.WaitGroup
		out      phase
		deadline = time.Now().Add(maxTime)
	)
	start, cpu0 := time.Now(), processCPUSeconds(os.Getpid())
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			errs, first := 0, ""
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= maxCount {
					break
				}
				if rate > 0 {
					slot := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					if !slot.Before(deadline) {
						break
					}
					if wait := time.Until(slot); wait > 0 {
						select {
						case <-ctx.Done():
						case <-time.After(wait):
						}
					}
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					if errs == 0 {
						first = err.Error()
					}
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			out.latencies = append(out.latencies, lat...)
			out.Errors += errs
			if out.FirstError == "" {
				out.FirstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = time.Since(start)
	out.ClientCPU = processCPUSeconds(os.Getpid()) - cpu0
	out.Count = len(out.latencies) + out.Errors
	slices.Sort(out.latencies)
	return out
}

// apiClient calls the server's API with one token.
type apiClient struct {
	base, token string
}

// call sends in as JSON and decodes a 200 answer into out (nil: discard).
func (c *apiClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// post sends a pre-built request body and discards a 200 answer; it is the
// cheap path for the load loops, so the client spends little CPU.
func post(ctx context.Context, target string, body []byte, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = header
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST: %d %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}
