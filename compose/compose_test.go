package compose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/server/auth"
)

// The compose stack is checked statically: no Docker engine runs here. Each
// check is a function from the loaded project to the problems it finds, so
// that TestChecksCatchBreakage can prove, on broken copies of the stack, that
// every check can fail.

// repoRoot is the compose project directory: the test runs in compose/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadStack loads docker-compose.yml the way `docker compose` does, with an
// explicit environment (none of the machine's) and throwaway secret files
// that WriteSecrets made in a temporary folder.
func loadStack(t *testing.T) *types.Project {
	t.Helper()
	secretsDir := t.TempDir()
	if _, err := WriteSecrets(secretsDir); err != nil {
		t.Fatalf("write throwaway secrets: %v", err)
	}
	p, err := loadProject(repoRoot(t), map[string]string{"SLIPWAY_SECRETS_DIR": secretsDir})
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func loadProject(root string, env map[string]string) (*types.Project, error) {
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(envList),
		cli.WithResolvedPaths(true),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, fmt.Errorf("compose options: %w", err)
	}
	return opts.LoadProject(context.Background())
}

// stackCheck finds problems in a loaded project whose directory is root.
type stackCheck func(p *types.Project, root string) []error

var stackChecks = map[string]stackCheck{
	"services":      checkServices,
	"depends_on":    checkDependsOn,
	"healthchecks":  checkHealthchecks,
	"startup order": checkStartupOrder,
	"secrets":       checkSecrets,
	"bind mounts":   checkBindMounts,
	"replicas":      checkReplicas,
	"images":        checkImages,
	"builds":        checkBuilds,
	"prometheus":    checkPrometheus,
	"grafana":       checkGrafana,
	"networks file": checkNetworksFile,
}

func TestComposeStack(t *testing.T) {
	p := loadStack(t)
	root := repoRoot(t)
	for name, check := range stackChecks {
		t.Run(name, func(t *testing.T) {
			for _, err := range check(p, root) {
				t.Error(err)
			}
		})
	}
}

// requiredServices are the stack's parts that other files (README, the
// Prometheus config, the networks file) name.
var requiredServices = []string{
	"postgres", "temporal", "temporal-ui", "anvil",
	"slipway-migrate", "slipway-api", "slipway-worker",
	"prometheus", "grafana",
}

// oneShot services run to completion; the rest run until stopped.
var oneShot = []string{"slipway-migrate", "temporal-schema", "temporal-namespace"}

func checkServices(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range requiredServices {
		if _, ok := p.Services[name]; !ok {
			errs = append(errs, fmt.Errorf("service %s is missing", name))
		}
	}
	if s, ok := p.Services["slipway-migrate"]; ok && !slices.Equal(s.Command, types.ShellCommand{"migrate", "up"}) {
		errs = append(errs, fmt.Errorf("slipway-migrate: command %q, want [migrate up]", s.Command))
	}
	return errs
}

var conditions = []string{types.ServiceConditionStarted, types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully}

func checkDependsOn(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		s := p.Services[name]
		for dep, d := range s.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				errs = append(errs, fmt.Errorf("%s depends on %s, which is not a service", name, dep))
				continue
			}
			if !slices.Contains(conditions, d.Condition) {
				errs = append(errs, fmt.Errorf("%s depends on %s with condition %q", name, dep, d.Condition))
			}
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if !hasHealthcheck(target) {
					errs = append(errs, fmt.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep))
				}
			case types.ServiceConditionCompletedSuccessfully:
				if !slices.Contains(oneShot, dep) {
					errs = append(errs, fmt.Errorf("%s waits for %s to complete, but %s is not a one-shot service", name, dep, dep))
				}
				if r := target.Restart; r == types.RestartPolicyAlways || r == types.RestartPolicyUnlessStopped {
					errs = append(errs, fmt.Errorf("%s waits for %s to complete, but its restart policy %q restarts it forever", name, dep, r))
				}
			}
		}
	}
	return errs
}

func hasHealthcheck(s types.ServiceConfig) bool {
	return s.HealthCheck != nil && !s.HealthCheck.Disable && len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE"
}

// checkHealthchecks wants one on every long-running service but the Web UI,
// whose image has neither curl nor wget to probe itself with.
func checkHealthchecks(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		if slices.Contains(oneShot, name) || name == "temporal-ui" {
			continue
		}
		if !hasHealthcheck(p.Services[name]) {
			errs = append(errs, fmt.Errorf("%s runs until stopped but has no healthcheck", name))
		}
	}
	if api, ok := p.Services["slipway-api"]; ok && hasHealthcheck(api) && !strings.Contains(strings.Join(api.HealthCheck.Test, " "), "/readyz") {
		errs = append(errs, fmt.Errorf("slipway-api's healthcheck %q does not probe /readyz", api.HealthCheck.Test))
	}
	return errs
}

// checkStartupOrder pins what the API and the workers must wait for: a
// database with its schema, and a Temporal cluster that is up.
func checkStartupOrder(p *types.Project, _ string) []error {
	want := map[string]string{
		"postgres":        types.ServiceConditionHealthy,
		"temporal":        types.ServiceConditionHealthy,
		"slipway-migrate": types.ServiceConditionCompletedSuccessfully,
	}
	var errs []error
	for _, name := range []string{"slipway-api", "slipway-worker"} {
		s := p.Services[name]
		for dep, cond := range want {
			if got := s.DependsOn[dep].Condition; got != cond {
				errs = append(errs, fmt.Errorf("%s: depends_on %s condition %q, want %q", name, dep, got, cond))
			}
		}
	}
	if got := p.Services["slipway-migrate"].DependsOn["postgres"].Condition; got != types.ServiceConditionHealthy {
		errs = append(errs, fmt.Errorf("slipway-migrate: depends_on postgres condition %q, want %q", got, types.ServiceConditionHealthy))
	}
	return errs
}

// secretPath finds /run/secrets/<name> in commands, entrypoints and env.
var secretPath = regexp.MustCompile(`/run/secrets/([A-Za-z0-9_.-]+)`)

func checkSecrets(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		s := p.Services[name]
		mounted := map[string]bool{}
		for _, ref := range s.Secrets {
			mounted[secretTarget(ref)] = true
			def, ok := p.Secrets[ref.Source]
			if !ok {
				errs = append(errs, fmt.Errorf("%s uses secret %s, which is not defined", name, ref.Source))
				continue
			}
			if def.File == "" {
				errs = append(errs, fmt.Errorf("secret %s is not a file", ref.Source))
				continue
			}
			if st, err := os.Stat(def.File); err != nil || !st.Mode().IsRegular() {
				errs = append(errs, fmt.Errorf("secret %s: file %s does not exist", ref.Source, def.File))
			}
		}
		// Whatever reads /run/secrets/x must have x mounted.
		var uses []string
		uses = append(uses, s.Entrypoint...)
		uses = append(uses, s.Command...)
		for _, v := range s.Environment {
			if v != nil {
				uses = append(uses, *v)
			}
		}
		// A worker signs with the networks' signers; the API never reads them.
		if f := s.Environment["SLIPWAY_NETWORKS_FILE"]; f != nil && len(s.Command) > 0 && s.Command[0] == "worker" {
			if nets, err := chain.LoadConfig(mountSource(s, *f)); err == nil {
				for _, n := range nets.Networks {
					uses = append(uses, n.Signer)
				}
			}
		}
		for _, u := range uses {
			for _, m := range secretPath.FindAllStringSubmatch(u, -1) {
				if !mounted[m[1]] {
					errs = append(errs, fmt.Errorf("%s reads /run/secrets/%s but does not mount that secret", name, m[1]))
				}
			}
		}
	}
	// The files must also be what their readers parse.
	for name, def := range p.Secrets {
		b, err := os.ReadFile(def.File)
		if err != nil {
			continue // reported above for the services that use it
		}
		v := strings.TrimSpace(string(b))
		switch filepath.Base(def.File) {
		case JWTKeyFile:
			if _, err := auth.ParseKeySet([]byte(v)); err != nil {
				errs = append(errs, fmt.Errorf("secret %s: not a JWT signing key: %v", name, err))
			}
		case AnvilDeployerKeyFile:
			if !anvil.IsKnownTestKey(v) {
				errs = append(errs, fmt.Errorf("secret %s: not anvil's public dev key; a real key never belongs in the dev stack's generator", name))
			}
		case PostgresPasswordFile:
			if len(v) < 16 {
				errs = append(errs, fmt.Errorf("secret %s: password shorter than 16 characters", name))
			}
		default:
			errs = append(errs, fmt.Errorf("secret %s: file %s is not one WriteSecrets makes", name, def.File))
		}
	}
	return errs
}

func secretTarget(ref types.ServiceSecretConfig) string {
	if ref.Target == "" {
		return ref.Source
	}
	return strings.TrimPrefix(ref.Target, "/run/secrets/")
}

// requiredMounts are the host files the stack's services must see, by
// service and container path, relative to the repository root.
var requiredMounts = []struct{ service, target, source string }{
	{"prometheus", "/etc/prometheus/prometheus.yml", "compose/prometheus/prometheus.yml"},
	{"prometheus", "/etc/prometheus/rules/alerts.yml", "monitoring/alerts.yml"},
	{"grafana", "/etc/grafana/provisioning", "compose/grafana/provisioning"},
	{"grafana", "/var/lib/grafana/dashboards/slipway/slipway-dashboard.json", "monitoring/grafana/slipway-dashboard.json"},
	{"slipway-api", "/etc/slipway/networks.json", "compose/networks.json"},
	{"slipway-worker", "/etc/slipway/networks.json", "compose/networks.json"},
}

func checkBindMounts(p *types.Project, root string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		for _, v := range p.Services[name].Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			rel, err := filepath.Rel(root, v.Source)
			if err != nil || strings.HasPrefix(rel, "..") {
				errs = append(errs, fmt.Errorf("%s mounts %s, outside the repository", name, v.Source))
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				errs = append(errs, fmt.Errorf("%s mounts %s, which does not exist", name, rel))
			}
			if !v.ReadOnly {
				errs = append(errs, fmt.Errorf("%s mounts %s read-write; config from the repository is mounted read-only", name, rel))
			}
		}
	}
	for _, m := range requiredMounts {
		s, ok := p.Services[m.service]
		if !ok {
			continue // checkServices reports it
		}
		i := slices.IndexFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == m.target })
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("%s does not mount %s at %s", m.service, m.source, m.target))
		case s.Volumes[i].Source != filepath.Join(root, m.source):
			errs = append(errs, fmt.Errorf("%s mounts %s at %s, want %s", m.service, s.Volumes[i].Source, m.target, m.source))
		}
	}
	return errs
}

func checkReplicas(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range []string{"slipway-api", "slipway-worker"} {
		s := p.Services[name]
		if s.Deploy == nil || s.Deploy.Replicas == nil || *s.Deploy.Replicas != 2 {
			errs = append(errs, fmt.Errorf("%s: deploy.replicas is not 2", name))
		}
		if s.ContainerName != "" {
			errs = append(errs, fmt.Errorf("%s: container_name prevents replicas", name))
		}
		for _, port := range s.Ports {
			if port.Published != "" && !strings.Contains(port.Published, "-") {
				errs = append(errs, fmt.Errorf("%s: host port %s can be bound by one replica only; publish a range", name, port.Published))
			}
		}
	}
	return errs
}

// checkImages wants every image pinned to a tag other than latest, so that
// the stack starts the same way tomorrow.
func checkImages(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		img := p.Services[name].Image
		if img == "" {
			errs = append(errs, fmt.Errorf("%s has no image name", name))
			continue
		}
		last := img[strings.LastIndex(img, "/")+1:]
		_, tag, ok := strings.Cut(last, ":")
		if !ok || tag == "" || tag == "latest" {
			errs = append(errs, fmt.Errorf("%s: image %s is not pinned to a tag", name, img))
		}
	}
	return errs
}

func checkBuilds(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range sortedServices(p) {
		b := p.Services[name].Build
		if b == nil {
			continue
		}
		if st, err := os.Stat(b.Context); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("%s: build context %s is not a folder", name, b.Context))
			continue
		}
		df := b.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		if !filepath.IsAbs(df) {
			df = filepath.Join(b.Context, df)
		}
		stages, err := parseDockerfile(df)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		if b.Target != "" && !slices.ContainsFunc(stages, func(s stage) bool { return s.name == b.Target }) {
			errs = append(errs, fmt.Errorf("%s: build target %q is not a stage of %s", name, b.Target, df))
		}
	}
	return errs
}

// prometheusConfig is the part of prometheus.yml the stack depends on.
type prometheusConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

// metricsPorts are the container ports where the replicated services serve
// /metrics, read from their environment so that the scrape config and the
// services cannot drift apart.
var metricsPorts = map[string]string{
	"slipway-api":    "SLIPWAY_HTTP_ADDR",
	"slipway-worker": "SLIPWAY_WORKER_METRICS_ADDR",
}

func checkPrometheus(p *types.Project, _ string) []error {
	prom, ok := p.Services["prometheus"]
	if !ok {
		return nil
	}
	hostFile := mountSource(prom, "/etc/prometheus/prometheus.yml")
	if hostFile == "" {
		return []error{errors.New("prometheus: no prometheus.yml mounted at /etc/prometheus/prometheus.yml")}
	}
	b, err := os.ReadFile(hostFile)
	if err != nil {
		return []error{fmt.Errorf("prometheus: %w", err)}
	}
	var cfg prometheusConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return []error{fmt.Errorf("prometheus.yml: %w", err)}
	}
	var errs []error
	if len(cfg.RuleFiles) == 0 {
		errs = append(errs, errors.New("prometheus.yml: no rule_files"))
	}
	for _, rf := range cfg.RuleFiles {
		if mountSource(prom, rf) == "" {
			errs = append(errs, fmt.Errorf("prometheus.yml: rule file %s is not mounted into the prometheus service", rf))
		}
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = true
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, _, err := net.SplitHostPort(target)
				if err != nil {
					errs = append(errs, fmt.Errorf("prometheus.yml: job %s: target %q: %v", sc.JobName, target, err))
					continue
				}
				if host != "localhost" {
					if _, ok := p.Services[host]; !ok {
						errs = append(errs, fmt.Errorf("prometheus.yml: job %s scrapes %s, which is not a compose service", sc.JobName, host))
					}
				}
			}
		}
		for _, dc := range sc.DNSSDConfigs {
			for _, n := range dc.Names {
				s, ok := p.Services[n]
				if !ok {
					errs = append(errs, fmt.Errorf("prometheus.yml: job %s resolves %s, which is not a compose service", sc.JobName, n))
					continue
				}
				if env, ok := metricsPorts[n]; ok {
					if port := envPort(s, env); port != fmt.Sprint(dc.Port) {
						errs = append(errs, fmt.Errorf("prometheus.yml: job %s scrapes %s on port %d, but its %s listens on port %q", sc.JobName, n, dc.Port, env, port))
					}
				}
			}
		}
	}
	// Every replica of the API and the workers, under the job names that
	// monitoring/alerts.yml uses.
	for svc := range metricsPorts {
		found := false
		for _, sc := range cfg.ScrapeConfigs {
			for _, dc := range sc.DNSSDConfigs {
				if slices.Contains(dc.Names, svc) && sc.JobName == svc {
					found = true
				}
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("prometheus.yml: no job %s discovering %s's replicas through dns_sd_configs", svc, svc))
		}
	}
	return errs
}

func envPort(s types.ServiceConfig, name string) string {
	v := s.Environment[name]
	if v == nil {
		return ""
	}
	_, port, err := net.SplitHostPort(*v)
	if err != nil {
		return ""
	}
	return port
}

// mountSource answers the host path mounted at target (or at a folder that
// holds target), or "".
func mountSource(s types.ServiceConfig, target string) string {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if v.Target == target {
			return v.Source
		}
		if rel, err := filepath.Rel(v.Target, target); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join(v.Source, rel)
		}
	}
	return ""
}

func checkGrafana(p *types.Project, _ string) []error {
	g, ok := p.Services["grafana"]
	if !ok {
		return nil
	}
	var errs []error
	var ds struct {
		Datasources []struct {
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	if err := readYAML(mountSource(g, "/etc/grafana/provisioning/datasources/prometheus.yml"), &ds); err != nil {
		errs = append(errs, fmt.Errorf("grafana datasources: %w", err))
	} else if len(ds.Datasources) == 0 {
		errs = append(errs, errors.New("grafana datasources: none provisioned"))
	}
	for _, d := range ds.Datasources {
		u, err := url.Parse(d.URL)
		if err != nil || d.Type != "prometheus" {
			errs = append(errs, fmt.Errorf("grafana datasource %q of type %q: want a prometheus URL", d.URL, d.Type))
			continue
		}
		if _, ok := p.Services[u.Hostname()]; !ok {
			errs = append(errs, fmt.Errorf("grafana datasource %s: %s is not a compose service", d.URL, u.Hostname()))
		}
	}
	var dash struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := readYAML(mountSource(g, "/etc/grafana/provisioning/dashboards/slipway.yml"), &dash); err != nil {
		errs = append(errs, fmt.Errorf("grafana dashboards: %w", err))
	} else if len(dash.Providers) == 0 {
		errs = append(errs, errors.New("grafana dashboards: no provider"))
	}
	for _, pr := range dash.Providers {
		if !slices.ContainsFunc(g.Volumes, func(v types.ServiceVolumeConfig) bool {
			return strings.HasPrefix(v.Target, pr.Options.Path+"/") && strings.HasSuffix(v.Target, ".json")
		}) {
			errs = append(errs, fmt.Errorf("grafana dashboards: no dashboard JSON mounted under provider path %s", pr.Options.Path))
		}
	}
	return errs
}

func readYAML(path string, v any) error {
	if path == "" {
		return errors.New("file not mounted")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(b, v)
}

// checkNetworksFile loads the networks file with the project's own loader
// and wants its one network on the anvil service, signed by a mounted secret.
func checkNetworksFile(p *types.Project, _ string) []error {
	var errs []error
	for _, name := range []string{"slipway-api", "slipway-worker"} {
		s := p.Services[name]
		target := s.Environment["SLIPWAY_NETWORKS_FILE"]
		if target == nil {
			errs = append(errs, fmt.Errorf("%s: SLIPWAY_NETWORKS_FILE is not set", name))
			continue
		}
		src := mountSource(s, *target)
		if src == "" {
			errs = append(errs, fmt.Errorf("%s: SLIPWAY_NETWORKS_FILE %s is not mounted", name, *target))
			continue
		}
		cfg, err := chain.LoadConfig(src)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		n, ok := cfg.Lookup("dev")
		if !ok {
			errs = append(errs, fmt.Errorf("%s: networks file has no network dev", name))
			continue
		}
		if n.ChainID != anvil.DevChainID {
			errs = append(errs, fmt.Errorf("network dev: chain id %d, want %d", n.ChainID, anvil.DevChainID))
		}
		for _, raw := range n.RPCURLs {
			u, err := url.Parse(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("network dev: rpc url %q: %v", raw, err))
				continue
			}
			a, ok := p.Services[u.Hostname()]
			if !ok || u.Hostname() != "anvil" {
				errs = append(errs, fmt.Errorf("network dev: rpc host %s is not the anvil service", u.Hostname()))
				continue
			}
			if !slices.Contains(a.Command, u.Port()) || !hasFlag(a.Command, "--chain-id", fmt.Sprint(n.ChainID)) {
				errs = append(errs, fmt.Errorf("network dev: anvil's command %q does not serve port %s with chain id %d", a.Command, u.Port(), n.ChainID))
			}
		}
		if !strings.HasPrefix(n.Signer, "file:/run/secrets/") {
			errs = append(errs, fmt.Errorf("network dev: signer %q is not a compose secret file", n.Signer))
		}
	}
	return errs
}

func hasFlag(cmd []string, flag, value string) bool {
	i := slices.Index(cmd, flag)
	return i >= 0 && i+1 < len(cmd) && cmd[i+1] == value
}

func sortedServices(p *types.Project) []string {
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
