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
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
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
