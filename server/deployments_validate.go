package server

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// deploymentPlan is what CreateDeployment learns from a request before it
// records it: the checks a client should hear about now rather than from a
// FAILED deployment a minute later.
type deploymentPlan struct {
	contractName    string
	compilerVersion string
}

// planDeployment checks what protovalidate cannot: that a template
// generates and its constructor arguments fit its parameters, or that the
// sources declare the contract to deploy. Errors wrap errInvalidDeployment
// or generate.ErrInvalidTemplate, both answered invalid_argument.
func planDeployment(msg *slipwayv1.CreateDeploymentRequest) (deploymentPlan, error) {
	if t := msg.GetTemplate(); t != nil {
		res, err := generate.Generate(t)
		if err != nil {
			return deploymentPlan{}, fmt.Errorf("generate template: %w", err)
		}
		if n := msg.GetContractName(); n != "" && n != res.ContractName {
			return deploymentPlan{}, invalidf("contractName %q does not match the template's contract %q; leave it empty with a template", n, res.ContractName)
		}
		if err := checkConstructorArgs(res.ConstructorParams, msg.GetConstructorArgs()); err != nil {
			return deploymentPlan{}, err
		}
		v := msg.GetCompilerVersion()
		if v == "" {
			v = res.CompilerVersion
		}
		return deploymentPlan{contractName: res.ContractName, compilerVersion: v}, nil
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

// checkConstructorArgs checks args against the constructor's parameters:
// their number, and each value's JSON type and format against its Solidity
// type, so that a typo is an invalid_argument naming the argument rather
// than a reverted or mis-encoded deployment.
func checkConstructorArgs(params []generate.Param, args []*structpb.Value) error {
	if len(args) != len(params) {
		want := make([]string, len(params))
		for i, p := range params {
			want[i] = p.Type + " " + p.Name
		}
		sig := "none"
		if len(want) > 0 {
			sig = strings.Join(want, ", ")
		}
		return invalidf("constructorArgs: the constructor takes %d argument(s) (%s), got %d", len(params), sig, len(args))
	}
	for i, p := range params {
		if err := checkABIValue(p.Type, args[i], 0); err != nil {
			return invalidf("constructorArgs[%d] (%s %s): %s", i, p.Type, p.Name, err)
		}
	}
	return nil
}

var (
	arraySuffix = regexp.MustCompile(`^(.+)\[([0-9]*)\]$`)
	hexBytes    = regexp.MustCompile(`^0x([0-9a-fA-F]{2})*$`)
	hexAddress  = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	decimalInt  = regexp.MustCompile(`^-?[0-9]+$`)
	hexInt      = regexp.MustCompile(`^-?0x[0-9a-fA-F]+$`)
)

// maxABIDepth bounds nested arrays, so a hostile type string or value
// cannot recurse without end.
const maxABIDepth = 8

// maxSafeJSONInteger is the largest integer a JSON number carries exactly
// through float64 (2^53); bigger ones must come as strings.
const maxSafeJSONInteger = 1 << 53

// checkABIValue checks one value against a Solidity type, the way ethers
// and viem accept them: addresses and bytes as 0x hex strings, integers as
// JSON numbers or decimal (or 0x hex) strings, arrays as JSON arrays.
func checkABIValue(typ string, v *structpb.Value, depth int) error {
	if depth > maxABIDepth {
		return fmt.Errorf("type nests deeper than %d arrays", maxABIDepth)
	}
	if v == nil || v.GetKind() == nil {
		return fmt.Errorf("missing value")
	}
	if m := arraySuffix.FindStringSubmatch(typ); m != nil {
		list, ok := v.GetKind().(*structpb.Value_ListValue)
		if !ok {
			return fmt.Errorf("want a JSON array, got %s", jsonKind(v))
		}
		items := list.ListValue.GetValues()
		if m[2] != "" {
			n, err := strconv.Atoi(m[2])
			if err != nil || n <= 0 {
				return fmt.Errorf("array length %q is not valid", m[2])
			}
			if len(items) != n {
				return fmt.Errorf("want %d elements, got %d", n, len(items))
			}
		}
		for i, it := range items {
			if err := checkABIValue(m[1], it, depth+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	}
	switch {
	case typ == "address":
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok || !hexAddress.MatchString(s.StringValue) {
			return fmt.Errorf("want an address, a 0x-prefixed string of 40 hex digits, got %s", describeValue(v))
		}
		if !checksumOK(s.StringValue) {
			return fmt.Errorf("address %s has a bad EIP-55 checksum (mixed case that does not match); check it, or write it in one case", s.StringValue)
		}
		return nil
	case typ == "bool":
		if _, ok := v.GetKind().(*structpb.Value_BoolValue); !ok {
			return fmt.Errorf("want true or false, got %s", describeValue(v))
		}
		return nil
	case typ == "string":
		if _, ok := v.GetKind().(*structpb.Value_StringValue); !ok {
			return fmt.Errorf("want a string, got %s", describeValue(v))
		}
		return nil
	case typ == "bytes":
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok || !hexBytes.MatchString(s.StringValue) {
			return fmt.Errorf("want bytes, a 0x-prefixed string of an even number of hex digits, got %s", describeValue(v))
		}
		return nil
	case strings.HasPrefix(typ, "bytes"):
		n, err := strconv.Atoi(typ[len("bytes"):])
		if err != nil || n < 1 || n > 32 || typ[len("bytes")] == '0' {
			return fmt.Errorf("unsupported type %q", typ)
		}
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok || !hexBytes.MatchString(s.StringValue) || len(s.StringValue) != 2+2*n {
			return fmt.Errorf("want %s, a 0x-prefixed string of %d hex digits, got %s", typ, 2*n, describeValue(v))
		}
		return nil
	case strings.HasPrefix(typ, "uint"), strings.HasPrefix(typ, "int"):
		return checkInteger(typ, v)
	}
	return fmt.Errorf("unsupported type %q", typ)
}

// checkInteger checks an intN or uintN value and its range.
func checkInteger(typ string, v *structpb.Value) error {
	signed := strings.HasPrefix(typ, "int")
	bitsText := strings.TrimPrefix(strings.TrimPrefix(typ, "u"), "int")
	bits := 256
	if bitsText != "" {
		n, err := strconv.Atoi(bitsText)
		if err != nil || n < 8 || n > 256 || n%8 != 0 || bitsText[0] == '0' {
			return fmt.Errorf("unsupported type %q", typ)
		}
		bits = n
	}
	var x *big.Int
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		f := k.NumberValue
		if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return fmt.Errorf("want an integer, got %v", f)
		}
		if math.Abs(f) > maxSafeJSONInteger {
			return fmt.Errorf("%v is beyond 2^53, where JSON numbers lose digits; pass it as a decimal string", f)
		}
		x = big.NewInt(int64(f))
	case *structpb.Value_StringValue:
		s := strings.TrimSpace(k.StringValue)
		var ok bool
		switch {
		case len(s) > 100:
			return fmt.Errorf("want an integer, got a %d-character string", len(s))
		case decimalInt.MatchString(s):
			x, ok = new(big.Int).SetString(s, 10)
		case hexInt.MatchString(s):
			neg := strings.HasPrefix(s, "-")
			x, ok = new(big.Int).SetString(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "0x"), 16)
			if ok && neg {
				x.Neg(x)
			}
		}
		if !ok {
			return fmt.Errorf("want an integer as a JSON number or a decimal string, got %q", k.StringValue)
		}
	default:
		return fmt.Errorf("want an integer as a JSON number or a decimal string, got %s", describeValue(v))
	}
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(bits))
	if signed {
		hi.Rsh(hi, 1)
		lo.Neg(hi)
	}
	hi.Sub(hi, big.NewInt(1))
	if x.Cmp(lo) < 0 || x.Cmp(hi) > 0 {
		return fmt.Errorf("%s is out of range for %s (%s to %s)", x, typ, lo, hi)
	}
	return nil
}

// checksumOK accepts all-lower and all-upper hex, and mixed case only when
// it is the EIP-55 checksum: mixed case is a promise the address was copied
// whole.
func checksumOK(s string) bool {
	digits := s[2:]
	if digits == strings.ToLower(digits) || digits == strings.ToUpper(digits) {
		return true
	}
	return common.HexToAddress(s).Hex() == s
}

func jsonKind(v *structpb.Value) string {
	switch v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return "null"
	case *structpb.Value_NumberValue:
		return "a number"
	case *structpb.Value_StringValue:
		return "a string"
	case *structpb.Value_BoolValue:
		return "a boolean"
	case *structpb.Value_StructValue:
		return "an object"
	case *structpb.Value_ListValue:
		return "an array"
	}
	return "nothing"
}

// describeValue names a wrong value for an error: short strings quoted, the
// kind of anything else.
func describeValue(v *structpb.Value) string {
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		if len(s.StringValue) <= 80 {
			return strconv.Quote(s.StringValue)
		}
		return fmt.Sprintf("a %d-character string", len(s.StringValue))
	}
	if n, ok := v.GetKind().(*structpb.Value_NumberValue); ok {
		return strconv.FormatFloat(n.NumberValue, 'g', -1, 64)
	}
	return jsonKind(v)
}
