package compose

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// TestChecksCatchBreakage breaks a fresh copy of the stack in one way each
// and wants the check that guards against it to report the breakage, so
// that no check of TestComposeStack passes by construction.
func TestChecksCatchBreakage(t *testing.T) {
	type mutation struct {
		check string
		brk   func(t *testing.T, p *types.Project)
	}
	// inCopy is a breakage of check: old replaced by new in a copy of the
	// file service mounts at target (brokenCopy).
	inCopy := func(check, service, target, old, new string) mutation {
		return mutation{check, func(t *testing.T, p *types.Project) { brokenCopy(t, p, service, target, old, new) }}
	}
	mutations := map[string]mutation{
		"service removed": {"services", func(t *testing.T, p *types.Project) {
			delete(p.Services, "grafana")
		}},
		"migrate runs another command": {"services", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-migrate", func(s *types.ServiceConfig) { s.Command = types.ShellCommand{"migrate", "status"} })
		}},
		"depends on an undefined service": {"depends_on", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) {
				s.DependsOn["redis"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
			})
		}},
		"depends on without a condition": {"depends_on", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) {
				s.DependsOn["postgres"] = types.ServiceDependency{Required: true}
			})
		}},
		"waits for health of a service without healthcheck": {"depends_on", func(t *testing.T, p *types.Project) {
			edit(p, "postgres", func(s *types.ServiceConfig) { s.HealthCheck = nil })
		}},
		"waits for completion of a service that restarts forever": {"depends_on", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-migrate", func(s *types.ServiceConfig) { s.Restart = types.RestartPolicyAlways })
		}},
		"healthcheck disabled": {"healthchecks", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-worker", func(s *types.ServiceConfig) { s.HealthCheck = &types.HealthCheckConfig{Disable: true} })
		}},
		"api healthcheck ignores readiness": {"healthchecks", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) {
				s.HealthCheck.Test = types.HealthCheckTest{"CMD", "node", "-e", "fetch('http://127.0.0.1:8080/healthz')"}
			})
		}},
		"api starts before migrations": {"startup order", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) { delete(s.DependsOn, "slipway-migrate") })
		}},
		"worker starts before temporal is healthy": {"startup order", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-worker", func(s *types.ServiceConfig) {
				s.DependsOn["temporal"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
			})
		}},
		"secret undefined": {"secrets", func(t *testing.T, p *types.Project) {
			delete(p.Secrets, "jwt_key")
		}},
		"secret file missing": {"secrets", func(t *testing.T, p *types.Project) {
			s := p.Secrets["postgres_password"]
			s.File = filepath.Join(t.TempDir(), PostgresPasswordFile)
			p.Secrets["postgres_password"] = s
		}},
		"api reads a secret it does not mount": {"secrets", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) { s.Secrets = s.Secrets[:1] })
		}},
		"worker lacks the signer secret": {"secrets", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-worker", func(s *types.ServiceConfig) {
				s.Secrets = []types.ServiceSecretConfig{{Source: "postgres_password"}}
			})
		}},
		"jwt key is not a key": {"secrets", func(t *testing.T, p *types.Project) {
			overwrite(t, p.Secrets["jwt_key"].File, "not a pem key\n")
		}},
		"deployer key is a real key": {"secrets", func(t *testing.T, p *types.Project) {
			overwrite(t, p.Secrets["anvil_deployer_key"].File, "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n")
		}},
		"mounted file missing": {"bind mounts", func(t *testing.T, p *types.Project) {
			redirectMount(t, p, "prometheus", "/etc/prometheus/rules/alerts.yml", filepath.Join(t.TempDir(), "alerts.yml"))
		}},
		"config mounted read-write": {"bind mounts", func(t *testing.T, p *types.Project) {
			edit(p, "grafana", func(s *types.ServiceConfig) { s.Volumes[0].ReadOnly = false })
		}},
		"dashboard not mounted": {"bind mounts", func(t *testing.T, p *types.Project) {
			edit(p, "grafana", func(s *types.ServiceConfig) { s.Volumes = s.Volumes[:1] })
		}},
		"one api replica": {"replicas", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) { one := 1; s.Deploy.Replicas = &one; s.Scale = &one })
		}},
		"api on a single host port": {"replicas", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) { s.Ports[0].Published = "8080" })
		}},
		"image on latest": {"images", func(t *testing.T, p *types.Project) {
			edit(p, "grafana", func(s *types.ServiceConfig) { s.Image = "grafana/grafana:latest" })
		}},
		"image without tag": {"images", func(t *testing.T, p *types.Project) {
			edit(p, "postgres", func(s *types.ServiceConfig) { s.Image = "registry.example:5000/postgres" })
		}},
		"build target not in Dockerfile": {"builds", func(t *testing.T, p *types.Project) {
			edit(p, "anvil", func(s *types.ServiceConfig) { s.Build.Target = "foundry" })
		}},
		"build context missing": {"builds", func(t *testing.T, p *types.Project) {
			edit(p, "slipway-api", func(s *types.ServiceConfig) { s.Build.Context = filepath.Join(t.TempDir(), "gone") })
		}},
		"prometheus resolves a wrong name":         inCopy("prometheus", "prometheus", "/etc/prometheus/prometheus.yml", "names: [slipway-api]", "names: [api]"),
		"prometheus scrapes the wrong port":        inCopy("prometheus", "prometheus", "/etc/prometheus/prometheus.yml", "port: 9091", "port: 9090"),
		"prometheus scrapes a static unknown host": inCopy("prometheus", "prometheus", "/etc/prometheus/prometheus.yml", "temporal:8000", "temporal-frontend:8000"),
		"prometheus rule file not mounted":         inCopy("prometheus", "prometheus", "/etc/prometheus/prometheus.yml", "/etc/prometheus/rules/alerts.yml", "/etc/prometheus/alerts.yml"),
		"prometheus.yml not YAML":                  inCopy("prometheus", "prometheus", "/etc/prometheus/prometheus.yml", "rule_files:", "rule_files: ["),
		"grafana datasource on an unknown host":    inCopy("grafana", "grafana", "/etc/grafana/provisioning/datasources/prometheus.yml", "http://prometheus:9090", "http://prom:9090"),
		"grafana provider path not mounted":        inCopy("grafana", "grafana", "/etc/grafana/provisioning/dashboards/slipway.yml", "path: /var/lib/grafana/dashboards/slipway", "path: /dashboards"),
		"networks file on another chain":           inCopy("networks file", "slipway-worker", "/etc/slipway/networks.json", `"chainId": 31337`, `"chainId": 1`),
		"networks file names another host":         inCopy("networks file", "slipway-api", "/etc/slipway/networks.json", "http://anvil:8545", "http://localhost:8545"),
		"networks file invalid":                    inCopy("networks file", "slipway-api", "/etc/slipway/networks.json", `"confirmations": 1`, `"confirmations": 1, "confirm": 2`),
		"anvil on another chain id": {"networks file", func(t *testing.T, p *types.Project) {
			edit(p, "anvil", func(s *types.ServiceConfig) {
				i := strings.Index(strings.Join(s.Command, " "), "31337")
				if i < 0 {
					t.Fatal("anvil's command has no chain id")
				}
				for j, a := range s.Command {
					if a == "31337" {
						s.Command[j] = "1"
					}
				}
			})
		}},
	}
	root := repoRoot(t)
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			check, ok := stackChecks[m.check]
			if !ok {
				t.Fatalf("no check %q", m.check)
			}
			p := loadStack(t)
			if errs := check(p, root); len(errs) != 0 {
				t.Fatalf("check %s fails before the breakage: %v", m.check, errors.Join(errs...))
			}
			m.brk(t, p)
			errs := check(p, root)
			if len(errs) == 0 {
				t.Fatalf("check %s did not notice", m.check)
			}
			t.Log(errors.Join(errs...))
		})
	}
}

// edit changes one service of p (services are stored by value).
func edit(p *types.Project, name string, f func(*types.ServiceConfig)) {
	s := p.Services[name]
	f(&s)
	p.Services[name] = s
}

func overwrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// redirectMount points the bind mount at target (or the folder mount that
// holds it) to src.
func redirectMount(t *testing.T, p *types.Project, service, target, src string) {
	t.Helper()
	edit(p, service, func(s *types.ServiceConfig) {
		for i, v := range s.Volumes {
			if v.Target == target {
				s.Volumes[i].Source = src
				return
			}
		}
		t.Fatalf("%s mounts nothing at %s", service, target)
	})
}

// brokenCopy copies the host file behind target (mounted directly or inside
// a mounted folder) to a temporary place with old replaced by new, and
// mounts the copy instead.
func brokenCopy(t *testing.T, p *types.Project, service, target, old, new string) {
	t.Helper()
	s := p.Services[service]
	var mount *types.ServiceVolumeConfig
	for i, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && (v.Target == target || strings.HasPrefix(target, v.Target+"/")) {
			mount = &s.Volumes[i]
			break
		}
	}
	if mount == nil {
		t.Fatalf("%s mounts nothing at %s", service, target)
	}
	src := mountSource(s, target)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q; update the test", src, old)
	}
	broken := strings.Replace(string(b), old, new, 1)
	dir := t.TempDir()
	if mount.Target == target {
		path := filepath.Join(dir, filepath.Base(src))
		overwrite(t, path, broken)
		mount.Source = path
	} else {
		if err := os.CopyFS(dir, os.DirFS(mount.Source)); err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(mount.Target, target)
		overwrite(t, filepath.Join(dir, rel), broken)
		mount.Source = dir
	}
	p.Services[service] = s
}
