package e2e

import (
	"bufio"
	"net"
	"testing"
)

// TestBalancerSkipsDeadBackend checks the fault suite's balancer on its own (no control
// plane): with one backend's port closed, every connection reaches the live one, each
// answered by it, and the dead one is skipped whenever its turn comes.
func TestBalancerSkipsDeadBackend(t *testing.T) {
	t.Parallel()
	live, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	go func() {
		for {
			conn, err := live.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("live\n"))
			conn.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := closed.Addr().String()
	closed.Close() // a replica that was killed: its port refuses connections
	b := newBalancer(t, dead, live.Addr().String())
	const n = 6
	for i := range n {
		conn, err := net.Dial("tcp", b.addr())
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil || line != "live\n" {
			t.Fatalf("connection %d: read %q, %v; want the live backend's greeting", i, line, err)
		}
	}
	total, skipped := b.stats()
	if total[live.Addr().String()] != n || total[dead] != 0 {
		t.Errorf("connections per backend %v, want all %d on the live one", total, n)
	}
	if skipped != n/2 {
		t.Errorf("dead backend skipped %d times, want %d (every other turn is its)", skipped, n/2)
	}
}
