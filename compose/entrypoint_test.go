package compose

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestSlipwayEntrypoint runs the slipway services' entrypoint, as compose
// resolved it, with sh and a stand-in slipway on PATH: the service's command
// must reach slipway unchanged and the database password must arrive as
// PGPASSWORD, which pgx then uses for the password-less DATABASE_URL.
func TestSlipwayEntrypoint(t *testing.T) {
	p := loadStack(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "postgres_password")
	if err := os.WriteFile(secret, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\necho \"PGPASSWORD=$PGPASSWORD\"\nfor a in \"$@\"; do echo \"arg=$a\"; done\n"
	if err := os.WriteFile(filepath.Join(bin, "slipway"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"slipway-migrate", "slipway-api", "slipway-worker"} {
		t.Run(name, func(t *testing.T) {
			s := p.Services[name]
			if len(s.Entrypoint) == 0 || s.Entrypoint[0] != "/bin/sh" {
				t.Fatalf("entrypoint %q: want /bin/sh -c", s.Entrypoint)
			}
			argv := slices.Concat([]string(s.Entrypoint), []string(s.Command))
			for i, a := range argv {
				argv[i] = strings.ReplaceAll(a, "/run/secrets/postgres_password", secret)
			}
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("entrypoint: %v\n%s", err, out)
			}
			want := "PGPASSWORD=s3cret-from-file\n"
			for _, a := range s.Command {
				want += "arg=" + a + "\n"
			}
			if string(out) != want {
				t.Errorf("slipway saw\n%s\nwant\n%s", out, want)
			}

			dsn := s.Environment["DATABASE_URL"]
			if dsn == nil {
				t.Fatal("DATABASE_URL is not set")
			}
			t.Setenv("PGPASSWORD", "s3cret-from-file")
			cfg, err := pgxpool.ParseConfig(*dsn)
			if err != nil {
				t.Fatalf("DATABASE_URL: %v", err)
			}
			if cfg.ConnConfig.Password != "s3cret-from-file" || cfg.ConnConfig.Host != "postgres" {
				t.Errorf("DATABASE_URL connects to %s with password %q; want postgres with PGPASSWORD's", cfg.ConnConfig.Host, cfg.ConnConfig.Password)
			}
		})
	}
}
