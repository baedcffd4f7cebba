package server

import (
	"bytes"
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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Certificate lifetimes: the CA outlives many serving certificates, and a serving
// certificate is renewed when less than renewBefore of it remains.
const (
	caLifetime      = 10 * 365 * 24 * time.Hour
	servingLifetime = 365 * 24 * time.Hour
	renewBefore     = 30 * 24 * time.Hour
)

// Secret keys, the same as cert-manager's so either can manage the Secret.
const (
	keyCACert  = "ca.crt"
	keyTLSCert = "tls.crt"
	keyTLSKey  = "tls.key"
)

// CertSource keeps the serving certificate in a Secret, shared by every replica, and in the
// webhook server's cert directory, which controller-runtime watches and reloads without
// dropping connections.
type CertSource struct {
	Client      client.Client
	Namespace   string
	SecretName  string
	ServiceName string
	CertDir     string
	// Hosts are extra DNS names or IP addresses for the certificate (a URL-addressed server).
	Hosts []string
	Now   func() time.Time
}

// Sync makes sure the Secret holds a valid certificate for the service (creating or renewing
// it) and writes it into CertDir. It returns the CA bundle for the webhook configurations.
func (c *CertSource) Sync(ctx context.Context) ([]byte, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	var secret corev1.Secret
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.SecretName}, &secret)
	switch {
	case apierrors.IsNotFound(err):
		secret = corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: c.SecretName,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "sidecarctl"}}, Type: corev1.SecretTypeTLS}
		if secret.Data, err = c.issue(now(), nil); err != nil {
			return nil, err
		}
		if err := c.Client.Create(ctx, &secret); err != nil {
			if !apierrors.IsAlreadyExists(err) {
				return nil, fmt.Errorf("create secret %s/%s: %w", c.Namespace, c.SecretName, err)
			}
			// Another replica won the race; use its certificate.
			return c.Sync(ctx)
		}
	case err != nil:
		return nil, fmt.Errorf("get secret %s/%s: %w", c.Namespace, c.SecretName, err)
	case needsRenewal(secret.Data, now()):
		if secret.Data, err = c.issue(now(), secret.Data); err != nil {
			return nil, err
		}
		if err := c.Client.Update(ctx, &secret); err != nil {
			return nil, fmt.Errorf("renew secret %s/%s: %w", c.Namespace, c.SecretName, err)
		}
	}
	if err := writeCertDir(c.CertDir, secret.Data); err != nil {
		return nil, err
	}
	return secret.Data[keyCACert], nil
}

func (c *CertSource) dnsNames() []string {
	svc := c.ServiceName
	names := []string{svc, svc + "." + c.Namespace, svc + "." + c.Namespace + ".svc", svc + "." + c.Namespace + ".svc.cluster.local"}
	for _, h := range c.Hosts {
		if net.ParseIP(h) == nil {
			names = append(names, h)
		}
	}
	return names
}

func (c *CertSource) ipAddresses() []net.IP {
	var ips []net.IP
	for _, h := range c.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		}
	}
	return ips
}

// needsRenewal reports whether the serving certificate is missing, unparsable, or close to
// expiry, or signed by a CA that is.
func needsRenewal(data map[string][]byte, now time.Time) bool {
	for _, key := range []string{keyTLSCert, keyCACert} {
		block, _ := pem.Decode(data[key])
		if block == nil {
			return true
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil || now.Add(renewBefore).After(cert.NotAfter) {
			return true
		}
	}
	_, err := tlsPair(data)
	return err != nil
}

// issue signs a new serving certificate, reusing the existing CA while it is valid so that
// webhook configurations with the old bundle keep working during the rollover.
func (c *CertSource) issue(now time.Time, old map[string][]byte) (map[string][]byte, error) {
	caCert, caKey, caPEM, err := reuseCA(old, now)
	if err != nil || caCert == nil {
		caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "sidecarctl-webhook-ca"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(caLifetime), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		if caCert, err = x509.ParseCertificate(der); err != nil {
			return nil, err
		}
		caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: c.dnsNames()[2]},
		DNSNames: c.dnsNames(), IPAddresses: c.ipAddresses(), NotBefore: now.Add(-time.Hour), NotAfter: now.Add(servingLifetime),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		keyCACert:  caPEM,
		"ca.key":   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER}),
		keyTLSCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyTLSKey:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

func reuseCA(old map[string][]byte, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	certBlock, _ := pem.Decode(old[keyCACert])
	keyBlock, _ := pem.Decode(old["ca.key"])
	if certBlock == nil || keyBlock == nil {
		return nil, nil, nil, nil
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil || now.Add(renewBefore).After(cert.NotAfter) {
		return nil, nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, key, old[keyCACert], nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// writeCertDir writes tls.crt and tls.key atomically (rename), only when they changed, so
// the certificate watcher reloads exactly once per rotation.
func writeCertDir(dir string, data map[string][]byte) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, key := range []string{keyCACert, keyTLSKey, keyTLSCert} {
		p := filepath.Join(dir, key)
		if cur, err := os.ReadFile(p); err == nil && bytes.Equal(cur, data[key]) {
			continue
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, data[key], 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return nil
}
func tlsPair(data map[string][]byte) (tls.Certificate, error) {
	return tls.X509KeyPair(data[keyTLSCert], data[keyTLSKey])
}
