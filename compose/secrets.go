package compose

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The secret files of the compose stack, named as docker-compose.yml's
// top-level secrets read them from SLIPWAY_SECRETS_DIR (default
// compose/secrets).
const (
	// JWTKeyFile signs access tokens: an Ed25519 PKCS#8 PEM key, what
	// `slipway dev` generates for itself and --jwt-key reads.
	JWTKeyFile = "jwt-ed25519.pem"
	// PostgresPasswordFile is the password of the stack's Postgres role, read
	// by the postgres image (POSTGRES_PASSWORD_FILE), Temporal's containers
	// and Slipway's (as PGPASSWORD).
	PostgresPasswordFile = "postgres-password"
	// AnvilDeployerKeyFile is the signer of the "dev" network in
	// networks.json.
	AnvilDeployerKeyFile = "anvil-deployer-key"
)

// AnvilDevKey is the private key of anvil's first funded account, derived
// from the public mnemonic "test test ... junk". It is NOT a secret: every
// Ethereum tool ships it, and Slipway refuses it on any chain but 31337, where
// the funds are worthless. It is the deployer key of the stack's anvil chain
// only.
const AnvilDevKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// SecretFiles lists the files WriteSecrets creates.
var SecretFiles = []string{JWTKeyFile, PostgresPasswordFile, AnvilDeployerKeyFile}

// WriteSecrets creates in dir each secret file that does not exist yet and
// answers the names it wrote; existing files are kept, so running it again
// never rotates a key under a running stack.
//
// The folder is made 0700, so that other users of the host cannot reach the
// files; the files themselves are 0644 because compose bind-mounts them into
// containers that run as different uids (postgres, temporal, slipway's
// 10001), and the mount bypasses the folder's permissions.
func WriteSecrets(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create secrets folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict secrets folder: %w", err)
	}
	var wrote []string
	for _, name := range SecretFiles {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return wrote, fmt.Errorf("stat %s: %w", name, err)
		}
		content, err := newSecret(name)
		if err != nil {
			return wrote, err
		}
		if err := writeFileAtomic(path, content, 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, name)
	}
	return wrote, nil
}

func newSecret(name string) ([]byte, error) {
	switch name {
	case JWTKeyFile:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate jwt key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("encode jwt key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	case PostgresPasswordFile:
		// Hex, so the password needs no quoting in a URL, a DSN or a shell.
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("generate postgres password: %w", err)
		}
		return []byte(hex.EncodeToString(b) + "\n"), nil
	case AnvilDeployerKeyFile:
		return []byte(AnvilDevKey + "\n"), nil
	}
	return nil, fmt.Errorf("unknown secret file %q", name)
}

func writeFileAtomic(path string, content []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, mode); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	// WriteFile's mode is filtered by the umask; the containers need it as is.
	if err := os.Chmod(tmp, mode); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("chmod %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
