package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// In the fault suite the test plays cert-manager: the replicas run with --manage-certs=false
// and read tls.crt and tls.key from their --cert-dir, which the test writes, and the test
// injects the CA bundle into the webhook configurations (the replicas keep whatever bundle
// they find, as they do under cert-manager's CA injector).

// testCA signs serving certificates for 127.0.0.1.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(name string) (*testCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// leaf is one serving certificate and its key, PEM-encoded.
type leaf struct {
	certPEM, keyPEM []byte
	serial          *big.Int
}

// issue signs a serving certificate for 127.0.0.1 (the balancer and every replica).
func (ca *testCA) issue() (leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return leaf{}, fmt.Errorf("serving key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return leaf{}, fmt.Errorf("serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return leaf{}, fmt.Errorf("serving key: %w", err)
	}
	return leaf{certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), serial: tmpl.SerialNumber}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

// writeLeaf replaces tls.key and tls.crt in dir, each by an atomic rename, as a Secret volume
// update or cert-manager's csi driver would: the server's watcher sees the key change (and
// keeps its certificate, the pair does not match yet), then the certificate.
func writeLeaf(dir string, l leaf) error {
	for _, f := range []struct {
		name string
		data []byte
	}{{"tls.key", l.keyPEM}, {"tls.crt", l.certPEM}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p+".tmp", f.data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// servedSerial dials addr and returns the serial of the certificate it presents.
func servedSerial(addr string) (*big.Int, error) {
	d := &net.Dialer{Timeout: time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only reads the serial
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, fmt.Errorf("dial %s: no certificate", addr)
	}
	return certs[0].SerialNumber, nil
}

// setCABundle writes bundle into every webhook of both configurations named name, retrying
// on a conflict with the leader's own updates. It reports whether both held a webhook.
func setCABundle(ctx context.Context, c client.Client, name string, bundle []byte) (bool, error) {
	done := 0
	for _, obj := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{},
		&admissionregistrationv1.ValidatingWebhookConfiguration{}} {
		has := false
		err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			if err := c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
				return err
			}
			n := 0
			switch cfg := obj.(type) {
			case *admissionregistrationv1.MutatingWebhookConfiguration:
				for i := range cfg.Webhooks {
					cfg.Webhooks[i].ClientConfig.CABundle = bundle
				}
				n = len(cfg.Webhooks)
			case *admissionregistrationv1.ValidatingWebhookConfiguration:
				for i := range cfg.Webhooks {
					cfg.Webhooks[i].ClientConfig.CABundle = bundle
				}
				n = len(cfg.Webhooks)
			}
			if has = n > 0; !has {
				return nil
			}
			return c.Update(ctx, obj)
		})
		if err != nil {
			return false, fmt.Errorf("set caBundle of %T %s: %w", obj, name, err)
		}
		if has {
			done++
		}
	}
	return done == 2, nil
}

// caBundleIs reports whether every webhook of both configurations carries bundle.
func caBundleIs(ctx context.Context, c client.Client, name string, bundle []byte) (bool, error) {
	var m admissionregistrationv1.MutatingWebhookConfiguration
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &m); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &v); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	var got [][]byte
	for _, w := range m.Webhooks {
		got = append(got, w.ClientConfig.CABundle)
	}
	for _, w := range v.Webhooks {
		got = append(got, w.ClientConfig.CABundle)
	}
	for _, b := range got {
		if string(b) != string(bundle) {
			return false, nil
		}
	}
	return len(got) > 0, nil
}

// faultCertificateRotated rotates the serving certificate to a new CA mid-run, as
// cert-manager does: the bundle first carries both CAs, then every replica's certificate
// files are replaced (the server reloads them from disk), then the bundle drops the old CA.
// No admission fails.
func faultCertificateRotated(ctx context.Context, t *testing.T, fc *faultCluster) {
	const ns = "fault-rotation"
	ensureNamespace(ctx, t, fc.c, ns, nil)
	fc.createFaultSidecarSet(ctx, t, newFaultSidecarSet(ns, ns, agent("agent", "agent:1")))
	next, err := newTestCA("sidecarctl-fault-ca-2")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := next.issue()
	if err != nil {
		t.Fatal(err)
	}
	calls := fc.mustWebhookCalls(ctx, t)
	start := time.Now()
	l := startLoad(ctx, t, fc.c, faultLoad(ns, ns, 400))
	l.waitMore(ctx, t, 50)

	both := append(append([]byte{}, fc.ca.pem...), next.pem...)
	fc.setBundle(ctx, t, both)
	l.waitMore(ctx, t, 50)
	for _, r := range fc.replicas {
		if err := writeLeaf(r.certDir, cert); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(ctx, t, "every replica to serve the new certificate", func() (bool, error) {
		for _, r := range fc.replicas {
			if serial, err := servedSerial(r.addr); err != nil || serial.Cmp(cert.serial) != 0 {
				return false, nil
			}
		}
		return true, nil
	})
	fc.setBundle(ctx, t, next.pem)
	fc.ca = next
	rotated := time.Now()
	l.endAfter(80)
	l.wait()

	n, problems, err := l.tally(ctx, func(pod *corev1.Pod) error {
		_, err := injectedOnce(pod, ns, "agent")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n.calls = fc.mustWebhookCalls(ctx, t) - calls
	report(t, "certificate rotated", n, append(problems, refusedUnrelated(l)...))
	if n.created != n.pods || n.refused != 0 || n.errors != 0 {
		t.Errorf("want every pod created at the first call, no refusal, no error: %s", n)
	}
	if want := sent(l, start); int(n.calls) != want {
		t.Errorf("the API server called the pod webhook %.0f times, want %d", n.calls, want)
	}
	if after := sent(l, rotated); after == 0 {
		t.Error("no pod was admitted after the old CA left the bundle: the load ended too early")
	}
}

// setBundle puts bundle into both configurations and waits until the API server stores it.
func (fc *faultCluster) setBundle(ctx context.Context, t *testing.T, bundle []byte) {
	t.Helper()
	if _, err := setCABundle(ctx, fc.c, faultConfig, bundle); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the new CA bundle", func() (bool, error) { return caBundleIs(ctx, fc.c, faultConfig, bundle) })
}
