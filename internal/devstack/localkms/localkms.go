// Package localkms runs github.com/nsmithuk/local-kms, a real implementation
// of the AWS KMS API, for the signer's tests and for `slipway dev --kms`:
// KMS signing is then exercised over HTTP with the AWS SDK, as in
// production, with no AWS account.
//
// local-kms is pinned as a Go tool in tools.mod and built on first use (see
// Build). It runs as a supervised child (internal/proc) so that it never
// outlives Slipway, keeps its keys in a LevelDB folder under Options.Dir so
// that a restart (Restart, or a dev stack restart) keeps them, and answers
// requests signed with any credentials.
//
// Facts about the pinned local-kms this package relies on:
//   - configuration is by environment only: PORT, KMS_DATA_PATH,
//     KMS_SEED_PATH, KMS_REGION and KMS_ACCOUNT_ID;
//   - it listens on every interface (":PORT"), with no way to bind loopback
//     only; keep its port off untrusted networks, as its keys sign for
//     anyone who can reach it;
//   - its seed file cannot hold secp256k1 keys (it parses seeded EC keys with
//     crypto/x509, which knows only the NIST curves), and it imports key
//     material only for symmetric keys, so secp256k1 keys are made with
//     CreateKey (see CreateSecp256k1Key) and their addresses come from
//     GetPublicKey;
//   - it implements DisableKey, ScheduleKeyDeletion and RSA and symmetric
//     keys, and answers GetPublicKey and Sign for a disabled key with
//     DisabledException, as AWS does.
package localkms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slipway-dev/slipway/internal/proc"
)

// Identity of the local KMS. local-kms accepts any credentials; the client
// sends these so that requests are signed as they would be against AWS.
const (
	Region          = "us-east-1"
	AccountID       = "111122223333"
	AccessKeyID     = "local-kms"
	SecretAccessKey = "local-kms"
)

// SeedFile is the file in Options.Dir that local-kms imports at start when
// present, in local-kms's own seed format (AES, HMAC, RSA and NIST P-curve
// keys; not secp256k1).
const SeedFile = "seed.yaml"

const (
	// startTimeout bounds a start after the build; local-kms itself is ready
	// in milliseconds.
	startTimeout = 60 * time.Second
	// buildTimeout bounds a cold build: module downloads and compiling
	// local-kms and the AWS SDK v1 it uses.
	buildTimeout = 10 * time.Minute
	// stopGrace is how long local-kms gets after SIGTERM. It installs no
	// handler, so SIGTERM ends it at once; LevelDB's journal survives that.
	stopGrace    = 5 * time.Second
	pollInterval = 20 * time.Millisecond
	tailLines    = 20
	// clientAttempts and clientBackoff make Client ride out an outage of
	// about two seconds (a Restart) with a fixed, quick backoff.
	clientAttempts = 20
	clientBackoff  = 100 * time.Millisecond
)

// errPortInUse marks a start that failed because another process took the
// port between picking and binding it.
var errPortInUse = errors.New("port in use")

// Options configures a server.
type Options struct {
	// Dir holds the key database (Dir/db) and an optional SeedFile; a
	// restart on the same folder keeps every key. Required.
	Dir string
	// Port is the TCP port local-kms listens on; 0 picks a free one.
	Port int
	// Bin is a prebuilt local-kms; empty means Build.
	Bin string
	// Logger receives lifecycle events and, at debug level, local-kms's
	// output (its errors at warn); nil discards them.
	Logger *slog.Logger
}

// Server is a running local-kms.
type Server struct {
	bin      string
	dir      string
	port     int
	endpoint string
	logger   *slog.Logger

	mu   sync.Mutex
	proc *proc.Process
}

// Start builds local-kms if needed, starts it and returns once it answers
// ListKeys. ctx bounds the build and the start only; the server runs until
// Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	began := time.Now()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "local-kms")
	if opts.Dir == "" {
		return nil, errors.New("start local-kms: no data folder given")
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("start local-kms: port %d out of range", opts.Port)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve local-kms data folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create local-kms data folder: %w", err)
	}
	bin := opts.Bin
	if bin == "" {
		buildCtx, cancel := context.WithTimeout(ctx, buildTimeout)
		bin, err = Build(buildCtx)
		cancel()
		if err != nil {
			return nil, err
		}
	} else if err := proc.CheckExecutable(bin); err != nil {
		return nil, fmt.Errorf("start local-kms: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		port := opts.Port
		if port == 0 {
			// local-kms binds ":PORT", every interface: check the same.
			if port, err = proc.FreePort("", 0); err != nil {
				return nil, fmt.Errorf("pick local-kms port: %w", err)
			}
		}
		s := &Server{
			bin:      bin,
			dir:      dir,
			port:     port,
			endpoint: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			logger:   logger,
		}
		err = s.launch(ctx)
		if errors.Is(err, errPortInUse) && opts.Port == 0 && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		logger.InfoContext(ctx, "local-kms ready", "endpoint", s.endpoint, "dir", dir, "took", time.Since(began).Round(time.Millisecond))
		return s, nil
	}
}

// launch starts the process on s.port and waits until it answers.
func (s *Server) launch(ctx context.Context) error {
	out := &proc.Output{Keep: tailLines, OnLine: func(line string) {
		s.logger.Log(context.Background(), lineLevel(line), "local-kms output", "line", line)
	}}
	env := proc.MinimalEnv(nil,
		"PORT="+strconv.Itoa(s.port),
		"KMS_DATA_PATH="+filepath.Join(s.dir, "db"),
		// Without it local-kms reads /init/seed.yaml.
		"KMS_SEED_PATH="+filepath.Join(s.dir, SeedFile),
		"KMS_REGION="+Region,
		"KMS_ACCOUNT_ID="+AccountID,
	)
	p, err := proc.Start(ctx, s.logger, proc.Spec{
		Name:   "local-kms",
		Path:   s.bin,
		Dir:    s.dir,
		Env:    env,
		Stdout: plainText{out.Writer("stdout", slog.LevelDebug)},
		Stderr: plainText{out.Writer("stderr", slog.LevelDebug)},
	})
	if err != nil {
		return fmt.Errorf("start local-kms: %w", err)
	}
	if err := s.waitReady(ctx, p); err != nil {
		_ = p.Stop(stopGrace)
		if portTaken(s.port) {
			return fmt.Errorf("start local-kms on port %d: %w", s.port, errPortInUse)
		}
		return fmt.Errorf("%w\n%s", err, strings.Join(out.Tail(), "\n"))
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	s.logger.DebugContext(ctx, "local-kms started", "port", s.port, "pid", p.Pid())
	return nil
}

// waitReady polls ListKeys until local-kms answers, exits or ctx ends.
func (s *Server) waitReady(ctx context.Context, p *proc.Process) error {
	client := s.Client(ctx, func(o *kms.Options) { o.RetryMaxAttempts = 1 })
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListKeys(callCtx, &kms.ListKeysInput{Limit: aws.Int32(1)})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("start local-kms: %w", p.Err())
		case <-ctx.Done():
			return fmt.Errorf("wait for local-kms: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// portTaken reports whether another process holds port now.
func portTaken(port int) bool {
	_, err := proc.FreePort("", port)
	return err != nil
}

// Endpoint is the server's URL (http://127.0.0.1:port), for a KMS client's
// BaseEndpoint or AWS_ENDPOINT_URL_KMS.
func (s *Server) Endpoint() string { return s.endpoint }

// Port is the TCP port the server listens on, kept across Restart.
func (s *Server) Port() int { return s.port }

// Dir is the absolute data folder.
func (s *Server) Dir() string { return s.dir }

// Done is closed when the current local-kms process exits, so that a
// supervisor (the dev stack) notices a crash. Restart starts a new process
// with a new channel; a stopped server answers a closed one.
func (s *Server) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return s.proc.Done()
}

// Stop stops local-kms; the data folder stays for a Restart or a later
// Start. Safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.Stop(stopGrace)
	s.logger.Debug("local-kms stopped", "endpoint", s.endpoint)
}

// Restart stops local-kms if it runs and starts it again on the same port
// and data, so that tests can put KMS through an outage and clients
// configured with Endpoint carry on.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := s.launch(ctx); err != nil {
		return fmt.Errorf("restart local-kms: %w", err)
	}
	s.logger.InfoContext(ctx, "local-kms restarted", "endpoint", s.endpoint)
	return nil
}

// Client answers a KMS client for the server, with static dummy credentials
// and Region, which ignores the machine's AWS configuration (profiles,
// AWS_* variables). It retries every clientBackoff up to clientAttempts
// times without a retry quota, so it rides out a Restart; optFns adjust it
// (e.g. fewer attempts).
func (s *Server) Client(_ context.Context, optFns ...func(*kms.Options)) *kms.Client {
	return kms.New(kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = clientAttempts
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
				return clientBackoff, nil
			})
		}),
	}, optFns...)
}

// Env answers the environment that points the standard AWS SDK chain at the
// server (endpoint, region, dummy credentials), for a worker the dev stack
// starts with `--kms`.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_KMS=" + s.endpoint,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
	}
}

// CreateSecp256k1Key answers a SIGN_VERIFY ECC_SECG_P256K1 key and its
// Ethereum address. With an alias ("deployer" or "alias/deployer") it answers
// the key the alias already names, if any, and otherwise creates a key and
// the alias: a dev stack restarted on the same folder keeps its signer's
// address. Without one it always creates a key.
func (s *Server) CreateSecp256k1Key(ctx context.Context, alias string) (keyID string, addr common.Address, err error) {
	c := s.Client(ctx)
	aliasName := ""
	if alias != "" {
		aliasName = "alias/" + strings.TrimPrefix(alias, "alias/")
		d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &aliasName})
		var notFound *types.NotFoundException
		switch {
		case err == nil:
			m := d.KeyMetadata
			if m.KeySpec != types.KeySpecEccSecgP256k1 || m.KeyUsage != types.KeyUsageTypeSignVerify {
				return "", common.Address{}, fmt.Errorf("%s names key %s of spec %s and usage %s, not a secp256k1 signing key", aliasName, aws.ToString(m.KeyId), m.KeySpec, m.KeyUsage)
			}
			keyID = aws.ToString(m.KeyId)
		case errors.As(err, &notFound):
		default:
			return "", common.Address{}, fmt.Errorf("describe %s: %w", aliasName, err)
		}
	}
	if keyID == "" {
		out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
			KeySpec:     types.KeySpecEccSecgP256k1,
			KeyUsage:    types.KeyUsageTypeSignVerify,
			Description: aws.String("Slipway dev signer"),
		})
		if err != nil {
			return "", common.Address{}, fmt.Errorf("create secp256k1 key: %w", err)
		}
		keyID = aws.ToString(out.KeyMetadata.KeyId)
		if aliasName != "" {
			if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &aliasName, TargetKeyId: &keyID}); err != nil {
				return "", common.Address{}, fmt.Errorf("create %s: %w", aliasName, err)
			}
		}
	}
	pk, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyID})
	if err != nil {
		return "", common.Address{}, fmt.Errorf("read public key of %s: %w", keyID, err)
	}
	addr, err = secp256k1Address(pk.PublicKey)
	if err != nil {
		return "", common.Address{}, fmt.Errorf("read public key of %s: %w", keyID, err)
	}
	s.logger.InfoContext(ctx, "local-kms secp256k1 key ready", "key", keyID, "alias", aliasName, "address", addr)
	return keyID, addr, nil
}

// spkiPrefix is the fixed DER header of a SubjectPublicKeyInfo for an
// uncompressed secp256k1 point (id-ecPublicKey, secp256k1, 66-byte BIT
// STRING), which is all KMS answers for such keys. Matching it whole is
// deliberately independent of the signer's ASN.1 parse, which tests compare
// against this.
var spkiPrefix = []byte{
	0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0x03, 0x42, 0x00,
}

func secp256k1Address(der []byte) (common.Address, error) {
	point, ok := bytes.CutPrefix(der, spkiPrefix)
	if !ok || len(point) != 65 {
		return common.Address{}, fmt.Errorf("not an uncompressed secp256k1 public key (%d bytes)", len(der))
	}
	pub, err := crypto.UnmarshalPubkey(point)
	if err != nil {
		return common.Address{}, fmt.Errorf("parse public key point: %w", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// ansiEscape matches the colour codes local-kms's logger always writes.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// plainText strips colour codes before lines reach the log. local-kms's
// logger writes each entry in one Write, so no code is split across two.
type plainText struct{ w io.Writer }

func (p plainText) Write(b []byte) (int, error) {
	if _, err := p.w.Write(ansiEscape.ReplaceAll(b, nil)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// lineLevel maps local-kms's log levels (logrus: "INFO[time] msg") onto the
// dev stack's: its errors are warnings to Slipway; everything else,
// including its warnings about requests it refused (which the client sees
// as errors anyway), is debug chatter.
func lineLevel(line string) slog.Level {
	for _, p := range []string{"ERRO", "FATA", "PANI", "panic:"} {
		if strings.HasPrefix(line, p) {
			return slog.LevelWarn
		}
	}
	return slog.LevelDebug
}
