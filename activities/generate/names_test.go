package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// TestDisplayNames: the name is the token's display name, as in the
// Wizard; the contract identifier is derived from it and the name itself is
// the ERC20/ERC721 name() string (and the EIP-712 domain name).
func TestDisplayNames(t *testing.T) {
	for _, c := range []struct{ name, ident, literal string }{
		{"MyToken", "MyToken", `"MyToken"`},
		{"Bar Token", "BarToken", `"Bar Token"`},
		{"Wrapped Ether", "WrappedEther", `"Wrapped Ether"`},
		{"myToken", "MyToken", `"myToken"`},
		{"my-token", "MyToken", `"my-token"`},
		{"abc--def", "AbcDef", `"abc--def"`},
		{"--abc", "Abc", `"--abc"`},
		{"abc_def", "Abc_def", `"abc_def"`},
		{"token 2", "Token2", `"token 2"`},
		{"1inch Network", "InchNetwork", `"1inch Network"`},
		{"3D Token", "DToken", `"3D Token"`},
		{"Café Crème", "CafeCreme", `unicode"Café Crème"`},
		{"Cafe\u0301", "Cafe", "unicode\"Cafe\u0301\""},
		{"Ünïcödé 🚀 Token", "UnicodeToken", `unicode"Ünïcödé 🚀 Token"`},
		{"Straße", "StraE", `unicode"Straße"`},                    // ß has no decomposition: a separator
		{"Ørsted", "Rsted", `unicode"Ørsted"`},                    // so is Ø
		{"\u212Bngstrom", "Angstrom", "unicode\"\u212Bngstrom\""}, // the Ångström sign decomposes to A
		{"日本 Token", "Token", `unicode"日本 Token"`},
		{"contract", "Contract", `"contract"`},
		{"uint256", "Uint256", `"uint256"`},
		{"keccak256", "Keccak256", `"keccak256"`},
		{"mint", "Mint", `"mint"`},
		{"_private", "_private", `"_private"`},
		{"A; contract B {}", "AContractB", `"A; contract B {}"`},
		{`Say "hi" \ now`, "SayHiNow", `"Say \"hi\" \\ now"`},
		{"$DEGEN coin", "DEGENCoin", `"$DEGEN coin"`}, // the Wizard keeps $: "$DEGENCoin"
		{" Padded ", "Padded", `" Padded "`},
		{strings.Repeat("é", 64), "E" + strings.Repeat("e", 63), "unicode\"" + strings.Repeat("é", 64) + "\""},
	} {
		res, err := Generate(erc20(c.name, "SYM", &slipwayv1.TemplateOptions{Votes: true}))
		if err != nil {
			t.Errorf("%q: %v", c.name, err)
			continue
		}
		if res.ContractName != c.ident {
			t.Errorf("%q: contract %q, want %q", c.name, res.ContractName, c.ident)
		}
		for _, want := range []string{
			"contract " + c.ident + " is ERC20,",
			"ERC20(" + c.literal + ", \"SYM\")",
			"ERC20Permit(" + c.literal + ")",
		} {
			if !strings.Contains(res.Source, want) {
				t.Errorf("%q: want %s in\n%s", c.name, want, res.Source)
			}
		}
		// ERC721 and ERC1155 derive the same identifier.
		for _, k := range []slipwayv1.ContractKind{slipwayv1.ContractKind_ERC721, slipwayv1.ContractKind_ERC1155} {
			o := &slipwayv1.TemplateOptions{}
			if k == slipwayv1.ContractKind_ERC721 {
				o.Votes = true
			}
			res, err := Generate(&slipwayv1.ContractTemplate{Kind: k, Name: c.name, Symbol: "SYM", Options: o})
			if err != nil || res.ContractName != c.ident {
				t.Errorf("%s %q: contract %q, %v; want %q", k, c.name, res.ContractName, err, c.ident)
				continue
			}
			if k == slipwayv1.ContractKind_ERC721 && (!strings.Contains(res.Source, "ERC721("+c.literal+", \"SYM\")") ||
				!strings.Contains(res.Source, "EIP712("+c.literal+", \"1\")")) {
				t.Errorf("ERC721 %q: name literal missing:\n%s", c.name, res.Source)
			}
			if k == slipwayv1.ContractKind_ERC1155 && strings.Contains(res.Source, c.literal) && c.literal != `"`+c.ident+`"` {
				t.Errorf("ERC1155 %q: the display name is in the source:\n%s", c.name, res.Source)
			}
		}
	}
}

// TestEmptyIdentifierMessage: a name from which no identifier derives is an
// invalid_argument that says why.
func TestEmptyIdentifierMessage(t *testing.T) {
	_, err := Generate(erc20("トークン 123", "T", nil))
	if err == nil || !strings.Contains(err.Error(), "name: \"トークン 123\" gives no contract identifier") ||
		!strings.Contains(err.Error(), "ASCII letters") {
		t.Fatalf("error %v", err)
	}
}

func has(src, s string) bool { return strings.Contains(src, s) }

// TestWizardDefaults: unset options take the Wizard's defaults (ERC20 permit
// and ERC1155 updatableUri true); explicit values, false included, are
// honoured, and an explicit false of another kind's option is accepted.
func TestWizardDefaults(t *testing.T) {
	gen := func(tmpl *slipwayv1.ContractTemplate) Result {
		t.Helper()
		res, err := Generate(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	f, tr := proto.Bool(false), proto.Bool(true)
	k721, k1155 := slipwayv1.ContractKind_ERC721, slipwayv1.ContractKind_ERC1155

	for _, o := range []*slipwayv1.TemplateOptions{nil, {}, {Permit: tr}, {Mintable: true}} {
		if src := gen(erc20("T", "T", o)).Source; !has(src, "is ERC20, ") || !has(src, "ERC20Permit(\"T\")") {
			t.Errorf("options %v: no permit:\n%s", o, src)
		}
	}
	if src := gen(erc20("T", "T", &slipwayv1.TemplateOptions{Permit: f})).Source; has(src, "Permit") || has(src, "EIP712") {
		t.Errorf("permit false: %s", src)
	}
	// Votes: with permit (default), ERC20Permit gives the EIP-712 domain and
	// nonces is overridden; with permit false, EIP712 does, as in the Wizard.
	src := gen(erc20("T", "T", &slipwayv1.TemplateOptions{Votes: true})).Source
	if !has(src, "contract T is ERC20, ERC20Permit, ERC20Votes {") || !has(src, "override(ERC20Permit, Nonces)") || has(src, "EIP712") {
		t.Errorf("votes, permit unset:\n%s", src)
	}
	src = gen(erc20("T", "T", &slipwayv1.TemplateOptions{Votes: true, Permit: f})).Source
	if !has(src, "contract T is ERC20, EIP712, ERC20Votes {") || !has(src, `EIP712("T", "1")`) || has(src, "Permit") || has(src, "nonces") {
		t.Errorf("votes, permit false:\n%s", src)
	}

	// ERC1155: setURI by default, with the access control it needs.
	for _, o := range []*slipwayv1.TemplateOptions{nil, {}, {UpdatableUri: tr}} {
		res := gen(&slipwayv1.ContractTemplate{Kind: k1155, Name: "Items", Options: o})
		if !has(res.Source, "function setURI(string memory newuri) public onlyOwner {") ||
			!slices.Equal(res.ConstructorParams, []Param{{"initialOwner", "address"}}) {
			t.Errorf("options %v: %v\n%s", o, res.ConstructorParams, res.Source)
		}
	}
	res := gen(&slipwayv1.ContractTemplate{Kind: k1155, Name: "Items", Options: &slipwayv1.TemplateOptions{Access: AccessRoles, Mintable: true}})
	if want := []Param{{"defaultAdmin", "address"}, {"uriSetter", "address"}, {"minter", "address"}}; !slices.Equal(res.ConstructorParams, want) {
		t.Errorf("roles: params %v, want %v", res.ConstructorParams, want)
	}
	res = gen(&slipwayv1.ContractTemplate{Kind: k1155, Name: "Items", Options: &slipwayv1.TemplateOptions{UpdatableUri: f}})
	if has(res.Source, "setURI") || has(res.Source, "Ownable") || len(res.ConstructorParams) != 0 {
		t.Errorf("updatableUri false: %v\n%s", res.ConstructorParams, res.Source)
	}

	// An explicit false is not "setting" another kind's option.
	gen(&slipwayv1.ContractTemplate{Kind: k721, Name: "N", Symbol: "N", Options: &slipwayv1.TemplateOptions{Permit: f, UpdatableUri: f}})
	gen(&slipwayv1.ContractTemplate{Kind: k1155, Name: "I", Options: &slipwayv1.TemplateOptions{Permit: f}})
	gen(erc20("T", "T", &slipwayv1.TemplateOptions{UpdatableUri: f}))
	// ERC721 defaults are all false, as in the Wizard.
	if res := gen(&slipwayv1.ContractTemplate{Kind: k721, Name: "N", Symbol: "N"}); len(res.ConstructorParams) != 0 || has(res.Source, "Ownable") {
		t.Errorf("ERC721 defaults: %v\n%s", res.ConstructorParams, res.Source)
	}
}

// TestTemplateJSONPresence: REST and Connect JSON clients, and the
// workflow's activity (which receives the template as protobuf JSON), tell an
// explicit false from an absent option; a client's explicit true and false
// keep working.
func TestTemplateJSONPresence(t *testing.T) {
	for _, c := range []struct {
		json       string
		permit     bool
		updatable  bool
		kindERC155 bool
	}{
		{`{"kind":"ERC20","name":"Bar Token","symbol":"BAR"}`, true, false, false},
		{`{"kind":"ERC20","name":"Bar Token","symbol":"BAR","options":{}}`, true, false, false},
		{`{"kind":"ERC20","name":"Bar Token","symbol":"BAR","options":{"permit":true}}`, true, false, false},
		{`{"kind":"ERC20","name":"Bar Token","symbol":"BAR","options":{"permit":false}}`, false, false, false},
		{`{"kind":"ERC20","name":"Bar Token","symbol":"BAR","options":{"permit":null}}`, true, false, false},
		{`{"kind":"ERC1155","name":"Bar Items","options":{}}`, false, true, true},
		{`{"kind":"ERC1155","name":"Bar Items","options":{"updatableUri":true}}`, false, true, true},
		{`{"kind":"ERC1155","name":"Bar Items","options":{"updatable_uri":false}}`, false, false, true},
	} {
		var tmpl slipwayv1.ContractTemplate
		if err := protojson.Unmarshal([]byte(c.json), &tmpl); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		// The API marshals the request into the workflow input; the
		// activity decodes it.
		b, err := protojson.Marshal(&tmpl)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Activities{}.Generate(context.Background(), b)
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		direct, err := Generate(&tmpl)
		if err != nil || direct.Source != res.Source {
			t.Fatalf("%s: the activity and Generate differ (%v)", c.json, err)
		}
		wantName := "BarToken"
		if c.kindERC155 {
			wantName = "BarItems"
		}
		if res.ContractName != wantName || has(res.Source, "ERC20Permit") != c.permit || has(res.Source, "setURI") != c.updatable {
			t.Errorf("%s (re-encoded %s): contract %s, permit %t, setURI %t", c.json, b, res.ContractName,
				has(res.Source, "ERC20Permit"), has(res.Source, "setURI"))
		}
	}
}

// TestToIdentifierMatchesWizard runs the Wizard's own toIdentifier and
// stringifyUnicodeSafe (testdata/wizard-names.js) over fixed and random
// names and compares: identical, except that Slipway treats $ as a
// separator (compared by giving the Wizard the name with $ as a space).
func TestToIdentifierMatchesWizard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	names := []string{
		"abc", "--abc", "abc-def", "abc--def", "MyToken", "Bar Token", "Wrapped Ether", "1inch", "3D Token", "123",
		"Café Crème", "Cafe\u0301 Cre\u0300me", "Straße", "Ørsted", "\u212Bngstrom", "Ελληνικά", "άλφα Token", "日本 Token",
		"한국 Token", "ﬁne ﬂow", "Ünïcödé 🚀 Token", "e\u20dd x", "a\u1dc0b", "_", "__init__", "a_b c_d", "$DEGEN coin",
		"a$b", "$", "Say \"hi\" \\ now", " Padded ", "x", "A; contract B {}", "token\u00a0nbsp", "zero\u200bwidth",
		"emoji👨‍👩‍👧family",
	}
	alphabet := []rune("aZk_09 -.$\"\\'éÉèñÑüßøØçÅ\u0301\u0308\u20dd日本한🚀👍\u00a0\u200b\u200dﬁΩά")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		n := make([]rune, 1+rng.IntN(12))
		for i := range n {
			n[i] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(n))
	}
	wizardInput := make([]string, 0, 2*len(names))
	for _, n := range names {
		wizardInput = append(wizardInput, n, strings.ReplaceAll(n, "$", " "))
	}
	in, err := json.Marshal(wizardInput)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("testdata", "wizard-names.js"))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var wiz []struct{ Ident, Literal string }
	if err := json.Unmarshal(out, &wiz); err != nil || len(wiz) != len(wizardInput) {
		t.Fatalf("decode node output (%d of %d): %v", len(wiz), len(wizardInput), err)
	}
	for i, n := range names {
		exact, noDollar := wiz[2*i], wiz[2*i+1]
		got := toIdentifier(n)
		if got != noDollar.Ident {
			t.Errorf("toIdentifier(%q) = %q, the Wizard's (with $ as a separator) %q", n, got, noDollar.Ident)
		}
		if !strings.Contains(n, "$") && got != exact.Ident {
			t.Errorf("toIdentifier(%q) = %q, the Wizard's %q", n, got, exact.Ident)
		}
		if lit := stringLiteral(n); lit != exact.Literal {
			t.Errorf("stringLiteral(%q) = %s, the Wizard's %s", n, lit, exact.Literal)
		}
	}
}
