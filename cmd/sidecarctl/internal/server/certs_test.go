package server

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func parseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCertificateIssueAndRenewal(t *testing.T) {
	t.Parallel()
	c := &CertSource{Namespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook", Hosts: []string{"127.0.0.1", "localhost"}}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	data, err := c.issue(now, nil)
	if err != nil {
		t.Fatal(err)
	}
	serving, ca := parseCert(t, data[keyTLSCert]), parseCert(t, data[keyCACert])
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, host := range []string{"sidecarctl-webhook.sidecarctl-system.svc", "127.0.0.1", "localhost"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", host, err)
		}
	}
	if needsRenewal(data, now) {
		t.Error("a fresh certificate needs renewal")
	}
	late := serving.NotAfter.Add(-renewBefore + time.Hour)
	if !needsRenewal(data, late) {
		t.Error("a certificate within the renewal window does not need renewal")
	}
	renewed, err := c.issue(late, data)
	if err != nil {
		t.Fatal(err)
	}
	if string(renewed[keyCACert]) != string(data[keyCACert]) {
		t.Error("renewal replaced a valid CA: webhook configurations holding the old bundle would break")
	}
	if needsRenewal(renewed, late) {
		t.Error("renewed certificate still needs renewal")
	}
	if !needsRenewal(map[string][]byte{keyTLSCert: []byte("garbage")}, now) {
		t.Error("garbage does not need renewal")
	}
}
