package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/generate"
)

func jsonValue(t testing.TB, s string) *structpb.Value {
	t.Helper()
	v := &structpb.Value{}
	require.NoError(t, protojson.Unmarshal([]byte(s), v), "%s", s)
	return v
}

func TestCheckABIValue(t *testing.T) {
	addr := `"0x` + strings.Repeat("ab", 20) + `"`
	cases := []struct {
		typ, value string
		want       string // "" for accepted
	}{
		{"address", addr, ""},
		{"address", `"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`, ""}, // EIP-55
		{"address", `"0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`, "checksum"},
		{"address", `"0xAB"`, "want an address"},
		{"address", `12`, "want an address"},
		{"bool", `true`, ""},
		{"bool", `"true"`, "want true or false"},
		{"string", `"hi"`, ""},
		{"string", `1`, "want a string"},
		{"uint8", `255`, ""},
		{"uint8", `256`, "out of range"},
		{"uint8", `-1`, "out of range"},
		{"int8", `-128`, ""},
		{"int8", `"-129"`, "out of range"},
		{"uint256", `"115792089237316195423570985008687907853269984665640564039457584007913129639935"`, ""},
		{"uint256", `"115792089237316195423570985008687907853269984665640564039457584007913129639936"`, "out of range"},
		{"uint", `"0x10"`, ""},
		{"uint256", `1.5`, "want an integer"},
		{"uint256", `1e300`, "beyond 2^53"},
		{"uint256", `"12abc"`, "want an integer"},
		{"uint7", `1`, "unsupported type"},
		{"uint264", `1`, "unsupported type"},
		{"bytes", `"0x"`, ""},
		{"bytes", `"0xabc"`, "want bytes"},
		{"bytes32", `"0x` + strings.Repeat("00", 32) + `"`, ""},
		{"bytes32", `"0x00"`, "64 hex digits"},
		{"bytes33", `"0x00"`, "unsupported type"},
		{"uint256[]", `[1, "2", 3]`, ""},
		{"uint256[]", `[1, "x"]`, "element 1"},
		{"address[2]", `[` + addr + `]`, "want 2 elements"},
		{"uint8[][2]", `[[1],[2,3]]`, ""},
		{"uint8[]", `{}`, "want a JSON array"},
		{"tuple", `[]`, "unsupported type"},
		{"bool", `null`, "want true or false"},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.value, func(t *testing.T) {
			err := checkABIValue(c.typ, jsonValue(t, c.value), 0)
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
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

func FuzzCheckABIValue(f *testing.F) {
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
		// Never a panic; errors name what is wrong.
		if err := checkABIValue(typ, v, 0); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		err := checkConstructorArgs([]generate.Param{{Name: "p", Type: typ}}, []*structpb.Value{v})
		if err != nil && !errors.Is(err, errInvalidDeployment) {
			t.Fatalf("error %v is not invalid_argument", err)
		}
	})
}
