package deployments

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

func jsonValue(t testing.TB, s string) *structpb.Value {
	t.Helper()
	v := &structpb.Value{}
	require.NoError(t, protojson.Unmarshal([]byte(s), v), "%s", s)
	return v
}

// TestCheckConstructorArgsReadsAsTheWorkerDoes: the template path reads
// arguments with package ctorargs (whose tests list every accepted form),
// from the protojson bytes the workflow receives. A few forms the two
// paths used to disagree on settle the way ctorargs documents.
func TestCheckConstructorArgsReadsAsTheWorkerDoes(t *testing.T) {
	addr := `"0x` + strings.Repeat("ab", 20) + `"`
	cases := []struct {
		typ, value string
		want       string // "" for accepted
	}{
		{"address", addr, ""},
		{"address", `"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`, ""}, // EIP-55
		{"address", `"0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`, "checksum"},
		{"address", `12`, "want an address"},
		{"address", `null`, "want an address"},
		{"uint8", `255`, ""},
		{"uint8", `256`, "out of range"},
		{"uint", `"0x10"`, ""},
		{"uint256", `" 12 "`, "want an integer"}, // the worker never took spaces
		{"uint256", `"0755"`, ""},                // decimal 755, never octal
		{"uint256", `"1_000"`, "want an integer"},
		{"uint256", `"0b1"`, "want an integer"},
		{"uint256", `9007199254740992`, "beyond 2^53-1"}, // 2^53+1 reads as 2^53
		{"uint256", `1e300`, "beyond 2^53-1"},
		{"uint256[]", `[1, "x"]`, "element 1"},
		{"uint7", `1`, "unsupported type"},
		{"tuple", `[]`, "unsupported type"},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.value, func(t *testing.T) {
			err := checkConstructorArgs([]generate.Param{{Name: "p", Type: c.typ}}, []*structpb.Value{jsonValue(t, c.value)})
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errInvalidDeployment)
			assert.Contains(t, err.Error(), "constructorArgs[0] ("+c.typ+" p): ")
			assert.Contains(t, err.Error(), c.want)
		})
	}
	err := checkConstructorArgs([]generate.Param{{Name: "p", Type: "bool"}}, []*structpb.Value{{}})
	assert.ErrorContains(t, err, "constructorArgs[0] (bool p): want true or false, got null")
}

func TestCheckConstructorArgsNamesTheArgument(t *testing.T) {
	params := []generate.Param{{Name: "recipient", Type: "address"}, {Name: "cap", Type: "uint256"}}
	err := checkConstructorArgs(params, []*structpb.Value{jsonValue(t, `"0x`+strings.Repeat("0", 40)+`"`), jsonValue(t, `"-1"`)})
	require.ErrorIs(t, err, errInvalidDeployment)
	assert.Contains(t, err.Error(), "constructorArgs[1] (uint256 cap): -1 is out of range")
	err = checkConstructorArgs(nil, []*structpb.Value{jsonValue(t, `1`)})
	assert.ErrorContains(t, err, "takes 0 argument(s) (none), got 1")
}

func TestContractsIn(t *testing.T) {
	src := "pragma solidity ^0.8.0;\n" +
		"// contract InLineComment {}\n" +
		"/* contract InBlock {} */\n" +
		"interface I {}\nlibrary L {}\n" +
		"abstract contract Base {}\n" +
		"contract  A is Base { string s = \"contract InString\"; string t = 'contract InSingle'; }\n" +
		"contract B{}"
	assert.Equal(t, []string{"Base", "A", "B"}, contractsIn(src))
	assert.Empty(t, contractsIn("/* unterminated contract X {}"))
}

func TestPageTokenRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
	id := uuid.New()
	gotAt, gotID, err := parsePageToken(pageToken(at, id))
	require.NoError(t, err)
	assert.True(t, at.Equal(gotAt))
	assert.Equal(t, id, gotID)
	for _, bad := range []string{"", "x", "AAAA", "!!!!", strings.Repeat("A", 600), pageToken(at, id)[1:]} {
		_, _, err := parsePageToken(bad)
		assert.ErrorIs(t, err, errInvalidDeployment, "%q", bad)
	}
}

func FuzzParsePageToken(f *testing.F) {
	f.Add(pageToken(time.Now(), uuid.New()))
	f.Add("")
	f.Add("AQAAAAAAAAAA")
	f.Add("====")
	f.Fuzz(func(t *testing.T, tok string) {
		at, id, err := parsePageToken(tok)
		if err != nil {
			if !errors.Is(err, errInvalidDeployment) {
				t.Fatalf("error %v is not invalid_argument", err)
			}
			return
		}
		// Whatever parses is inside Postgres's range and re-encodes to a
		// token that parses the same.
		if at.Year() < 1 || at.Year() > 9999 {
			t.Fatalf("time %v out of range", at)
		}
		at2, id2, err := parsePageToken(pageToken(at, id))
		if err != nil || !at2.Equal(at) || id2 != id {
			t.Fatalf("round trip of %q: %v %v %v", tok, at2, id2, err)
		}
	})
}

func FuzzCheckConstructorArgs(f *testing.F) {
	for _, s := range []struct{ typ, value string }{
		{"address", `"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`},
		{"uint256", `"123"`}, {"int8", `-5`}, {"bytes4", `"0x01020304"`},
		{"uint8[][3]", `[[1],[2],[3]]`}, {"bool", `true`}, {"string", `"x"`},
		{"uint256[", `[]`}, {"[]", `[]`}, {"uint" + strings.Repeat("[]", 20), `[[[[[[[[[[]]]]]]]]]]`},
	} {
		f.Add(s.typ, s.value)
	}
	f.Fuzz(func(t *testing.T, typ, value string) {
		v := &structpb.Value{}
		if protojson.Unmarshal([]byte(value), v) != nil {
			return
		}
		// Never a panic; errors are invalid_argument and say something.
		err := checkConstructorArgs([]generate.Param{{Name: "p", Type: typ}}, []*structpb.Value{v})
		if err != nil && (!errors.Is(err, errInvalidDeployment) || !strings.Contains(err.Error(), "constructorArgs[0] (")) {
			t.Fatalf("error %v is not invalid_argument naming the argument", err)
		}
	})
}

// The deploy path plans (and records) the derived identifier, and checks
// constructor arguments against the defaults' parameters.
func TestPlanDeploymentTemplateDisplayName(t *testing.T) {
	owner := structpb.NewStringValue("0x" + strings.Repeat("ab", 20))
	req := &slipwayv1.CreateDeploymentRequest{Network: "dev",
		Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Bar Token", Symbol: "BAR",
			Options: &slipwayv1.TemplateOptions{Premint: "1000"}},
		ConstructorArgs: []*structpb.Value{owner}}
	plan, err := planDeployment(req)
	require.NoError(t, err)
	assert.Equal(t, "BarToken", plan.contractName)
	req.ContractName = "BarToken"
	_, err = planDeployment(req)
	require.NoError(t, err)
	req.ContractName = "Bar_Token"
	_, err = planDeployment(req)
	require.ErrorContains(t, err, `does not match the template's contract "BarToken"`)

	// ERC1155's setURI is on unless turned off, and needs an owner.
	items := &slipwayv1.CreateDeploymentRequest{Network: "dev",
		Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC1155, Name: "Bar Items"}}
	_, err = planDeployment(items)
	require.ErrorContains(t, err, "address initialOwner")
	items.ConstructorArgs = []*structpb.Value{owner}
	plan, err = planDeployment(items)
	require.NoError(t, err)
	assert.Equal(t, "BarItems", plan.contractName)
	items.ConstructorArgs = nil
	items.Template.Options = &slipwayv1.TemplateOptions{UpdatableUri: proto.Bool(false)}
	_, err = planDeployment(items)
	require.NoError(t, err)
}
