package localkms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/ethereum/go-ethereum/crypto"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestKeysSurviveRestart checks what the dev stack relies on: the alias
// answers the same key, with the same address, after a restart on the same
// port and folder.
func TestKeysSurviveRestart(t *testing.T) {
	ctx := testContext(t)
	s := NewForTest(t)
	id, addr, err := s.CreateSecp256k1Key(ctx, "deployer")
	if err != nil {
		t.Fatal(err)
	}
	again, addrAgain, err := s.CreateSecp256k1Key(ctx, "alias/deployer")
	if err != nil {
		t.Fatal(err)
	}
	if again != id || addrAgain != addr {
		t.Fatalf("second call answered %s %s, want the existing %s %s", again, addrAgain, id, addr)
	}

	done := s.Done()
	s.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after Stop")
	}
	port := s.Port()
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port || !strings.HasSuffix(s.Endpoint(), ":"+strconv.Itoa(port)) {
		t.Fatalf("restarted on %s, want port %d", s.Endpoint(), port)
	}
	restarted, addrRestarted, err := s.CreateSecp256k1Key(ctx, "deployer")
	if err != nil {
		t.Fatal(err)
	}
	if restarted != id || addrRestarted != addr {
		t.Fatalf("after restart: %s %s, want %s %s", restarted, addrRestarted, id, addr)
	}

	unaliased, _, err := s.CreateSecp256k1Key(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if unaliased == id {
		t.Fatal("CreateSecp256k1Key without alias reused a key")
	}
}

// TestAliasOfOtherKey checks that an alias naming a non-secp256k1 key is
// refused rather than answered with a wrong address.
func TestAliasOfOtherKey(t *testing.T) {
	ctx := testContext(t)
	s := NewForTest(t)
	c := s.Client(ctx)
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/p256"), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateSecp256k1Key(ctx, "p256"); err == nil || !strings.Contains(err.Error(), "not a secp256k1 signing key") {
		t.Fatalf("got %v, want a refusal", err)
	}
}

func TestEnv(t *testing.T) {
	s := &Server{endpoint: "http://127.0.0.1:4000"}
	env := strings.Join(s.Env(), "\n")
	for _, want := range []string{"AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4000", "AWS_REGION=" + Region, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %q:\n%s", want, env)
		}
	}
}

func TestSecp256k1Address(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	der := append(append([]byte(nil), spkiPrefix...), crypto.FromECDSAPub(&key.PublicKey)...)
	got, err := secp256k1Address(der)
	if err != nil {
		t.Fatal(err)
	}
	if want := crypto.PubkeyToAddress(key.PublicKey); got != want {
		t.Fatalf("address %s, want %s", got, want)
	}
	// A P-256 key's SubjectPublicKeyInfo has the same length but another
	// curve: refused.
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256DER, err := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secp256k1Address(p256DER); err == nil {
		t.Fatal("P-256 key accepted")
	}
}

func TestLineLevel(t *testing.T) {
	raw := "\x1b[31mERRO\x1b[0m[2026-01-01 00:00:00.000] boom\n"
	var got []string
	out := plainText{w: writerFunc(func(b []byte) { got = append(got, string(b)) })}
	if _, err := out.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(strings.Join(got, ""))
	if line != "ERRO[2026-01-01 00:00:00.000] boom" {
		t.Fatalf("stripped line %q", line)
	}
	if lineLevel(line) != slog.LevelWarn {
		t.Error("ERRO line not a warning")
	}
	if lineLevel("WARN[2026-01-01 00:00:00.000] key is disabled") != slog.LevelDebug {
		t.Error("WARN line not debug")
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }
