package e2e

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// balancer is a loopback TCP load balancer in front of the serve replicas, in the role of
// the webhook's Service: each new connection goes to the next backend, in turn, that accepts
// a connection, so a killed replica is skipped as soon as its port closes (as its endpoint
// would be removed) and a restarted one is used again. It does not look inside the
// connections: TLS is between the API server and the replica.
type balancer struct {
	ln       net.Listener
	backends []string

	mu      sync.Mutex
	next    int
	active  map[string]int
	total   map[string]int
	skipped int
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// newBalancer listens on a free loopback port; it is closed when the test ends.
func newBalancer(t *testing.T, backends ...string) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("balancer: %v", err)
	}
	b := &balancer{ln: ln, backends: backends, active: map[string]int{}, total: map[string]int{},
		conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.serve()
	t.Cleanup(b.close)
	return b
}

// addr is the host:port the webhook configurations address.
func (b *balancer) addr() string { return b.ln.Addr().String() }

func (b *balancer) serve() {
	defer b.wg.Done()
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			return // closed
		}
		if !b.track(conn) {
			conn.Close()
			return
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.forward(conn)
		}()
	}
}

// track remembers an open connection so that close can end it; false once closing.
func (b *balancer) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conns == nil {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

func (b *balancer) untrack(c net.Conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.conns, c)
}

// dial connects to the next live backend, trying each at most once.
func (b *balancer) dial() (net.Conn, string, error) {
	b.mu.Lock()
	start := b.next
	b.next = (b.next + 1) % len(b.backends)
	b.mu.Unlock()
	var errs []error
	for i := range b.backends {
		addr := b.backends[(start+i)%len(b.backends)]
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			b.mu.Lock()
			b.skipped++
			b.mu.Unlock()
			errs = append(errs, err)
			continue
		}
		return conn, addr, nil
	}
	return nil, "", errors.Join(errs...)
}

// forward pipes one client connection to a backend until either side closes.
func (b *balancer) forward(client net.Conn) {
	defer b.untrack(client)
	defer client.Close()
	backend, addr, err := b.dial()
	if err != nil {
		return // no live backend: the API server sees the connection close, as with no endpoints
	}
	if !b.track(backend) {
		backend.Close()
		return
	}
	defer b.untrack(backend)
	defer backend.Close()
	b.mu.Lock()
	b.active[addr]++
	b.total[addr]++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.active[addr]--
		b.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(backend, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, backend); done <- struct{}{} }()
	<-done
	// One direction ended: close both so the other copy returns too.
	client.Close()
	backend.Close()
	<-done
}

// busiest returns the backend with the most open connections (the first on a tie).
func (b *balancer) busiest() (string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	best, n := b.backends[0], -1
	for _, addr := range b.backends {
		if b.active[addr] > n {
			best, n = addr, b.active[addr]
		}
	}
	return best, n
}

// stats returns the connections each backend got and how many dials found a backend dead.
func (b *balancer) stats() (map[string]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	total := map[string]int{}
	for k, v := range b.total {
		total[k] = v
	}
	return total, b.skipped
}

// close stops accepting, ends every open connection and waits for the goroutines.
func (b *balancer) close() {
	b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.conns = nil
	b.mu.Unlock()
	b.wg.Wait()
}
