// Command deps writes the .proto sources that Slipway's API imports but that no
// reachable package ships as source: buf/validate/validate.proto is printed
// from the descriptor compiled into the pinned protovalidate Go module, and the
// google.api annotations are copied from the pinned google-proto-files npm
// package. Both come from versions pinned in go.mod and package-lock.json, so
// `make generate` is reproducible without a schema registry.
//
// Usage: go run ./proto/deps OUTDIR
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"github.com/jhump/protoreflect/v2/protoprint"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// googleAPIFiles are the google.api protos that the annotations need.
var googleAPIFiles = []string{
	"google/api/annotations.proto",
	"google/api/http.proto",
	"google/api/field_behavior.proto",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: deps OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "deps:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("clear %s: %w", out, err)
	}
	p := &protoprint.Printer{}
	fd := validate.File_buf_validate_validate_proto
	if err := p.PrintProtosToFileSystem([]protoreflect.FileDescriptor{fd}, out); err != nil {
		return fmt.Errorf("print validate.proto: %w", err)
	}
	for _, name := range googleAPIFiles {
		if err := copyFile(filepath.Join("node_modules", "google-proto-files", name), filepath.Join(out, name)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s (run npm ci first): %w", src, err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	o, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return o.Close()
}
