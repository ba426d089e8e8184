package generate

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

var (
	mintLineRE = regexp.MustCompile(`^_mint\(recipient, [1-9][0-9]* \* 10 \*\* (decimals\(\)|\(decimals\(\) - [0-9]{1,2}\))\);$`)
	capArgRE   = regexp.MustCompile(`ERC20Capped\([1-9][0-9]* \* 10 \*\* (decimals\(\)|\(decimals\(\) - [0-9]{1,2}\))\)( |$)`)
	literalRE  = regexp.MustCompile(`"([^"]*)"`)
)

// FuzzGenerate feeds arbitrary names, symbols, numbers, URIs and options.
// Generate must never panic; it either refuses with ErrInvalidTemplate or
// produces a source whose user-controlled parts stay inside their literals:
// the display name only as its string literal, everything else printable
// ASCII, every string literal one of the expected values, the contract name
// the identifier derived from the display name, amounts plain digits.
func FuzzGenerate(f *testing.F) {
	f.Add(uint8(1), "MyToken", "MTK", "1000", "", "", "", uint16(0xffff), uint8(1))
	f.Add(uint8(1), "A; contract B", `M"K`, "1e5", "0", "", "", uint16(0), uint8(0))
	f.Add(uint8(2), "MyNFT", "NFT", "", "", "ipfs://x/", "", uint16(0x1f8), uint8(2))
	f.Add(uint8(3), "MyItems", "", "", "", "", "https://x/{id}\n", uint16(0x7e00), uint8(3))
	f.Add(uint8(1), "owner", "S", "0.000000000000000001", "1", "", "", uint16(0x30), uint8(2))
	f.Add(uint8(1), "Café \"Crème\" \\ 🚀", "CC", "1", "", "", "", uint16(0x18), uint8(1))
	f.Add(uint8(2), "1 ERC721 Votes", "S", "", "", "", "", uint16(0x140), uint8(2))
	f.Add(uint8(3), "Items\u202e", "", "", "", "", "", uint16(0), uint8(0))
	// access/5 picks options.upgradeable: uups, transparent, bogus.
	f.Add(uint8(1), "MyToken", "MTK", "1000", "1000000", "", "", uint16(0x3f), uint8(7))
	f.Add(uint8(1), "MyToken", "MTK", "1", "", "", "", uint16(0), uint8(10))
	f.Add(uint8(2), "My NFT", "NFT", "", "", "ipfs://x/", "", uint16(0x1cd), uint8(8))
	f.Add(uint8(2), "Ownable", "NFT", "", "", "", "", uint16(0x101), uint8(5))
	f.Add(uint8(3), "MyItems", "", "", "", "", "https://x/{id}", uint16(0x7e07), uint8(13))
	f.Add(uint8(1), "UUPS Upgradeable", "U", "", "", "", "", uint16(1), uint8(16))
	f.Fuzz(func(t *testing.T, kind uint8, name, symbol, premint, capped, baseURI, uri string, flags uint16, access uint8) {
		modes := []string{"", AccessOwnable, AccessRoles, AccessManaged, "bogus"}
		upgradeables := []string{"", UpgradeableUUPS, UpgradeableTransparent, "bogus"}
		o := &slipwayv1.TemplateOptions{
			Premint: premint, Capped: capped, BaseUri: baseURI, Uri: uri,
			Mintable: flags&1 != 0, Burnable: flags&2 != 0, Pausable: flags&4 != 0, Permit: optBool(flags, 8, 2048),
			Votes: flags&16 != 0, Flashmint: flags&32 != 0, Enumerable: flags&64 != 0, UriStorage: flags&128 != 0,
			Incremental: flags&256 != 0, Supply: flags&512 != 0, UpdatableUri: optBool(flags, 1024, 4096),
			Access: modes[int(access)%len(modes)], Upgradeable: upgradeables[int(access)/len(modes)%len(upgradeables)],
		}
		tmpl := &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind(kind % 5), Name: name, Symbol: symbol, Options: o}
		res, err := Generate(tmpl)
		if err != nil {
			if !errors.Is(err, ErrInvalidTemplate) {
				t.Fatalf("error %v does not wrap ErrInvalidTemplate", err)
			}
			return
		}
		if !identRE.MatchString(res.ContractName) || res.ContractName != toIdentifier(name) || strings.Contains(res.ContractName, "$") {
			t.Fatalf("name %q gave contract %q", name, res.ContractName)
		}
		if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) || bidiControl(r) }) {
			t.Fatalf("accepted name %q", name)
		}
		if !symbolRE.MatchString(symbol) {
			t.Fatalf("accepted symbol %q", symbol)
		}
		// The display name appears only as its literal; with it replaced by
		// a placeholder, the rest must be printable ASCII.
		const placeholder = `"__NAME__"`
		src := strings.ReplaceAll(res.Source, stringLiteral(name), placeholder)
		for i := 0; i < len(src); i++ {
			if c := src[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
				t.Fatalf("byte 0x%02x in source", c)
			}
		}
		allowed := map[string]bool{"__NAME__": true, symbol: true, baseURI: true, uri: true, "1": true,
			"PAUSER_ROLE": true, "MINTER_ROLE": true, "URI_SETTER_ROLE": true, "UPGRADER_ROLE": true}
		contracts := 0
		for _, line := range strings.Split(src, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "//") {
				continue
			}
			for _, m := range literalRE.FindAllStringSubmatch(line, -1) {
				if !allowed[m[1]] && !strings.HasPrefix(m[1], ozPrefix) && !(res.Upgradeable != "" && strings.HasPrefix(m[1], ozUpgradeablePrefix)) {
					t.Fatalf("unexpected string literal %q in line %q", m[1], line)
				}
			}
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in line %q", line)
			}
			if strings.HasPrefix(line, "contract ") {
				contracts++
				if !strings.HasPrefix(line, "contract "+res.ContractName+" ") {
					t.Fatalf("contract line %q", line)
				}
			}
			if strings.HasPrefix(line, "_mint(recipient") && !mintLineRE.MatchString(line) {
				t.Fatalf("premint line %q", line)
			}
			if strings.Contains(line, "ERC20Capped(") && !capArgRE.MatchString(line) {
				t.Fatalf("cap line %q", line)
			}
		}
		if contracts != 1 {
			t.Fatalf("%d contract declarations", contracts)
		}
		checkUpgradeableResult(t, o, res)
	})
}

// checkUpgradeableResult: an upgradeable result has an initializer taking
// ConstructorParams, a constructor taking none, an owner for the proxy
// (AdminArg), and _authorizeUpgrade exactly when uups; a plain one none of
// these.
func checkUpgradeableResult(t *testing.T, o *slipwayv1.TemplateOptions, res Result) {
	t.Helper()
	up := o.GetUpgradeable()
	params := make([]string, len(res.ConstructorParams))
	for i, p := range res.ConstructorParams {
		params[i] = p.Type + " " + p.Name
	}
	sig := "(" + strings.Join(params, ", ") + ")"
	owner := res.AdminArg >= 0 && res.AdminArg < len(res.ConstructorParams) &&
		slices.Contains([]string{"initialOwner", "defaultAdmin", "initialAuthority"}, res.ConstructorParams[res.AdminArg].Name)
	switch {
	case res.Upgradeable != up:
		t.Fatalf("Upgradeable %q for options %q", res.Upgradeable, up)
	case up == "":
		if res.Initializer != "" || strings.Contains(res.Source, "function initialize(") || !strings.Contains(res.Source, "constructor"+sig) ||
			strings.Contains(res.Source, "contracts-upgradeable") {
			t.Fatalf("plain contract:\n%s", res.Source)
		}
		if res.AdminArg != -1 && !owner {
			t.Fatalf("AdminArg %d of %v", res.AdminArg, res.ConstructorParams)
		}
	default:
		if res.Initializer != Initializer || !strings.Contains(res.Source, "function initialize"+sig) ||
			!strings.Contains(res.Source, "constructor() {\n        _disableInitializers();\n    }") || !owner ||
			strings.Contains(res.Source, "_authorizeUpgrade(") != (up == UpgradeableUUPS) {
			t.Fatalf("upgradeable (%s) contract, AdminArg %d:\n%s", up, res.AdminArg, res.Source)
		}
	}
}

// optBool makes an optional option from two flag bits: unset, or set to the
// value bit.
func optBool(flags uint16, value, set uint16) *bool {
	if flags&set == 0 {
		return nil
	}
	return proto.Bool(flags&value != 0)
}
