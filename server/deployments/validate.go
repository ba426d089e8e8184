package deployments

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/internal/ctorargs"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// deploymentPlan is what CreateDeployment learns from a request before it
// records it: the checks a client should hear about now rather than from a
// FAILED deployment a minute later.
type deploymentPlan struct {
	contractName    string
	compilerVersion string
	// gen is the template's generated contract; nil for sources.
	gen *generate.Result
	// upgradeable is the template's proxy kind ("uups", "transparent"),
	// empty for a plain contract.
	upgradeable string
	// salt is the CREATE2 salt after scoping, address the contract's
	// CREATE2 address (the proxy's for an upgradeable one) and
	// implementation the implementation's: set by planAddresses for
	// salted requests.
	salt, address, implementation string
}

// planDeployment checks what protovalidate cannot: that a template
// generates and its constructor arguments fit its parameters, or that the
// sources declare the contract to deploy. Errors wrap errInvalidDeployment
// or generate.ErrInvalidTemplate, both answered invalid_argument.
func planDeployment(msg *slipwayv1.CreateDeploymentRequest) (deploymentPlan, error) {
	return planContract(msg, true)
}

// planContract is planDeployment; checkArgs false leaves out the check of
// a template's constructor arguments, for an upgrade's new version: its
// implementation is created without them, and the proxy it replaces the
// implementation of was initialized once already.
func planContract(msg *slipwayv1.CreateDeploymentRequest, checkArgs bool) (deploymentPlan, error) {
	if t := msg.GetTemplate(); t != nil {
		res, err := generate.Generate(t)
		if err != nil {
			return deploymentPlan{}, fmt.Errorf("generate template: %w", err)
		}
		if n := msg.GetContractName(); n != "" && n != res.ContractName {
			return deploymentPlan{}, invalidf("contractName %q does not match the template's contract %q; leave it empty with a template", n, res.ContractName)
		}
		if checkArgs {
			if err := checkConstructorArgs(res.ConstructorParams, msg.GetConstructorArgs()); err != nil {
				return deploymentPlan{}, err
			}
		}
		v := msg.GetCompilerVersion()
		if v == "" {
			v = res.CompilerVersion
		}
		return deploymentPlan{contractName: res.ContractName, compilerVersion: v, gen: &res, upgradeable: res.Upgradeable}, nil
	}
	sources := msg.GetSources()
	if msg.GetSource() != "" {
		sources = map[string]string{"Contract.sol": msg.GetSource()}
	}
	name := msg.GetContractName()
	if !declaresContract(sources, name) {
		declared := declaredContracts(sources)
		if len(declared) == 0 {
			return deploymentPlan{}, invalidf("contractName %q: the sources declare no contract", name)
		}
		return deploymentPlan{}, invalidf("contractName %q is not a contract of the sources; they declare: %s", name, strings.Join(declared, ", "))
	}
	// Constructor arguments of hand-written sources are checked against
	// the compiled ABI by the workflow: the API has no compiler.
	return deploymentPlan{contractName: name, compilerVersion: msg.GetCompilerVersion()}, nil
}

// declaresContract reports whether some source declares `contract name` or
// `abstract contract name` outside comments and strings. An abstract
// contract cannot be deployed, but saying so is the compiler's job; an
// interface or library is not a contract here.
func declaresContract(sources map[string]string, name string) bool {
	for _, src := range sources {
		if slices.Contains(contractsIn(src), name) {
			return true
		}
	}
	return false
}

// declaredContracts lists the contracts of all sources, sorted, for an
// error message.
func declaredContracts(sources map[string]string) []string {
	var out []string
	for _, src := range sources {
		out = append(out, contractsIn(src)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// contractsIn scans Solidity source for contract declarations: the word
// after each `contract` keyword, skipping comments and string literals so
// that a commented-out contract does not count.
func contractsIn(src string) []string {
	var names []string
	prev := ""
	for tok := range solidityWords(src) {
		if prev == "contract" && isIdent(tok) {
			names = append(names, tok)
		}
		prev = tok
	}
	return names
}

// solidityWords yields the identifier-like words of src outside comments
// and string literals; any other character yields "" so that `contract`
// must be directly followed by the name.
func solidityWords(src string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for i := 0; i < len(src); {
			c := src[i]
			switch {
			case strings.HasPrefix(src[i:], "//"):
				j := strings.IndexByte(src[i:], '\n')
				if j < 0 {
					return
				}
				i += j + 1
			case strings.HasPrefix(src[i:], "/*"):
				j := strings.Index(src[i+2:], "*/")
				if j < 0 {
					return
				}
				i += j + 4
			case c == '"' || c == '\'':
				j := i + 1
				for j < len(src) && src[j] != c && src[j] != '\n' {
					if src[j] == '\\' {
						j++
					}
					j++
				}
				i = j + 1
				if !yield("") {
					return
				}
			case isIdentStart(c):
				j := i + 1
				for j < len(src) && (isIdentStart(src[j]) || (src[j] >= '0' && src[j] <= '9')) {
					j++
				}
				if !yield(src[i:j]) {
					return
				}
				i = j
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				i++
			default:
				i++
				if !yield("") {
					return
				}
			}
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(s string) bool {
	return s != "" && !(s[0] >= '0' && s[0] <= '9')
}

// checkConstructorArgs checks a template's constructor arguments as the
// deploy stage will encode them: read by package ctorargs from the very
// bytes the workflow receives (protojson of each value), so that a typo is
// an invalid_argument naming the argument rather than a FAILED deployment.
func checkConstructorArgs(params []generate.Param, args []*structpb.Value) error {
	abiParams := make(abi.Arguments, len(params))
	for i, p := range params {
		t, err := ctorargs.Type(p.Type)
		if err != nil {
			return invalidf("constructorArgs[%d] (%s %s): %s", i, p.Type, p.Name, err)
		}
		abiParams[i] = abi.Argument{Name: p.Name, Type: t}
	}
	raws := make([]json.RawMessage, len(args))
	for i, v := range args {
		b, err := protojson.Marshal(v)
		if v.GetKind() == nil || err != nil {
			b = []byte("null") // no value: refused as null
		}
		raws[i] = b
	}
	var ae *ctorargs.ArgError
	switch _, err := ctorargs.Encode(abiParams, raws); {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return invalidf("constructorArgs[%d] (%s %s): %s", ae.Index, params[ae.Index].Type, params[ae.Index].Name, ae.Err)
	default:
		return invalidf("constructorArgs: %s", err)
	}
}
