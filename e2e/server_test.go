package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// The e2e suite runs the real sidecarctl binary, built once, as a separate process: the
// server is exercised exactly as a cluster runs it (flags, certificates it issues itself,
// webhook configurations it writes), and it can be stopped to see the fail-closed behaviour.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func sidecarctlBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sidecarctl-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sidecarctl")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/sidecarctl")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is one running `sidecarctl serve`.
type server struct {
	t          *testing.T
	args       []string
	webhookURL string
	probeAddr  string
	log        string
	cmd        *exec.Cmd
	done       chan struct{}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newServer prepares `sidecarctl serve` against the control plane, addressed by URL on
// loopback, managing its own certificate and the webhook configurations named configName.
func newServer(t *testing.T, kubeconfig, namespace, configName string, extra ...string) *server {
	t.Helper()
	port, probe := freePort(t), freePort(t)
	s := &server{t: t, webhookURL: fmt.Sprintf("https://127.0.0.1:%d", port), probeAddr: fmt.Sprintf("127.0.0.1:%d", probe),
		log: filepath.Join(t.TempDir(), "serve.log")}
	s.args = append([]string{"serve", "--kubeconfig", kubeconfig, "--namespace", namespace,
		"--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(port), "--webhook-url", s.webhookURL,
		"--cert-dir", t.TempDir(), "--webhook-config-name", configName, "--exclude-namespaces", "",
		"--metrics-bind-address", "0", "--health-probe-bind-address", s.probeAddr}, extra...)
	return s
}

// start runs the server and waits until it answers /readyz.
func (s *server) start(ctx context.Context) {
	s.t.Helper()
	logFile, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(sidecarctlBinary(s.t), s.args...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		select {
		case <-s.done:
			return false, fmt.Errorf("sidecarctl serve exited")
		default:
		}
		resp, err := client.Get("http://" + s.probeAddr + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		s.t.Fatalf("sidecarctl serve not ready: %v\n%s", err, s.logs())
	}
}

// stop kills the server (as a crash or an outage would) and waits for it to exit.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func (s *server) logs() string {
	data, _ := os.ReadFile(s.log)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
