package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config describes one load run.
type Config struct {
	// URL is the target; its host must be a loopback address or localhost.
	URL string
	// Client sends the requests (for HTTPS, one that trusts the server's certificate).
	Client *http.Client
	// Body is the request body, sent as application/json.
	Body []byte
	// Rate is requests per second; Duration how long to send. Both are required.
	Rate     int
	Duration time.Duration
	// MaxRequests caps the run (default Rate*Duration); Concurrency caps requests in flight
	// (default 64). A request that finds no free slot waits, and counts as late.
	MaxRequests int
	Concurrency int
	// Check validates a response body; nil accepts any 200.
	Check func(body []byte) error
}

// Report is what a run measured on the client side.
type Report struct {
	Sent, Errors, Late int
	Elapsed            time.Duration
	// FirstError is the first failure seen, for the message.
	FirstError error
	// Latency holds client-observed round trips.
	Latency []time.Duration
}

// Rate is the achieved request rate.
func (r Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// CheckLoopback refuses targets that are not on this machine's loopback: load goes nowhere else.
func CheckLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("loadgen: target %q: %w", target, err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadgen: target %q is not a loopback address (127.0.0.0/8, ::1, localhost): refusing to send load", target)
	}
	return nil
}

// Run sends cfg.Rate requests per second for cfg.Duration, open loop (the schedule does not
// wait for answers), and returns when every request has been answered or ctx ends.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return Report{}, err
	}
	if cfg.Rate <= 0 || cfg.Duration <= 0 {
		return Report{}, errors.New("loadgen: Rate and Duration must be positive")
	}
	if cfg.Client == nil {
		return Report{}, errors.New("loadgen: Client is required")
	}
	total := int(float64(cfg.Rate) * cfg.Duration.Seconds())
	if cfg.MaxRequests > 0 && cfg.MaxRequests < total {
		total = cfg.MaxRequests
	}
	conc := cfg.Concurrency
	if conc <= 0 {
		conc = 64
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+30*time.Second)
	defer cancel()

	var (
		mu    sync.Mutex
		rep   = Report{Latency: make([]time.Duration, 0, total)}
		late  atomic.Int64
		wg    sync.WaitGroup
		slots = make(chan struct{}, conc)
		start = time.Now()
		fail  = func(err error) {
			mu.Lock()
			rep.Errors++
			if rep.FirstError == nil {
				rep.FirstError = err
			}
			mu.Unlock()
		}
		interval = time.Second / time.Duration(cfg.Rate)
	)
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				i = total
				continue
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			late.Add(1)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				i = total
				continue
			}
		}
		rep.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			t0 := time.Now()
			err := send(ctx, cfg)
			d := time.Since(t0)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			rep.Latency = append(rep.Latency, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.Late = int(late.Load())
	return rep, ctx.Err()
}

func send(ctx context.Context, cfg Config) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(cfg.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	if cfg.Check != nil {
		return cfg.Check(body)
	}
	return nil
}

// Recorder records how long a handler takes per request, on the server side: from the
// decrypted request reaching the handler to the handler returning its written response.
type Recorder struct {
	mu      sync.Mutex
	samples []time.Duration
}

// Wrap returns h timed by r.
func (r *Recorder) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		t0 := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(t0)
		r.mu.Lock()
		r.samples = append(r.samples, d)
		r.mu.Unlock()
	})
}

// Samples returns a copy of the recorded latencies.
func (r *Recorder) Samples() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.samples...)
}

// Reset drops the recorded latencies (after a warm-up).
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.samples = r.samples[:0]
	r.mu.Unlock()
}

// Percentile returns the p-th percentile (0 < p <= 100) of samples by the nearest-rank
// method, 0 for no samples.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(p/100*float64(len(s)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// CPUTime is the user plus system CPU this process has used (Linux and other Unixes).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
