// Command gensecrets creates the secret files of the docker-compose stack
// that do not exist yet: a fresh Ed25519 JWT signing key, a random Postgres
// password and anvil's publicly known dev deployer key. Run it from the
// repository root before the first `docker compose up`:
//
//	go run ./compose/gensecrets            # into compose/secrets (git-ignored)
//	go run ./compose/gensecrets -dir /srv/slipway/secrets
//
// and point SLIPWAY_SECRETS_DIR at a folder other than compose/secrets.
// Existing files are kept; delete one to rotate it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/slipway-dev/slipway/compose"
)

func main() {
	dir := flag.String("dir", envOr("SLIPWAY_SECRETS_DIR", "compose/secrets"), "folder of the secret files (env SLIPWAY_SECRETS_DIR)")
	flag.Parse()
	wrote, err := compose.WriteSecrets(*dir)
	for _, name := range wrote {
		fmt.Printf("wrote %s/%s\n", *dir, name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gensecrets:", err)
		os.Exit(1)
	}
	if len(wrote) == 0 {
		fmt.Printf("%s: every secret file exists; nothing written\n", *dir)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
