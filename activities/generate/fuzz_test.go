package generate

import (
	"errors"
	"regexp"
	"strings"
	"testing"

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
// only printable ASCII, every string literal one of the expected values, the
// contract name a plain identifier, amounts plain digits.
func FuzzGenerate(f *testing.F) {
	f.Add(uint8(1), "MyToken", "MTK", "1000", "", "", "", uint16(0xffff), uint8(1))
	f.Add(uint8(1), "A; contract B", `M"K`, "1e5", "0", "", "", uint16(0), uint8(0))
	f.Add(uint8(2), "MyNFT", "NFT", "", "", "ipfs://x/", "", uint16(0x1f8), uint8(2))
	f.Add(uint8(3), "MyItems", "", "", "", "", "https://x/{id}\n", uint16(0x7e00), uint8(3))
	f.Add(uint8(1), "owner", "S", "0.000000000000000001", "1", "", "", uint16(0x30), uint8(2))
	f.Fuzz(func(t *testing.T, kind uint8, name, symbol, premint, capped, baseURI, uri string, flags uint16, access uint8) {
		modes := []string{"", AccessOwnable, AccessRoles, AccessManaged, "bogus"}
		o := &slipwayv1.TemplateOptions{
			Premint: premint, Capped: capped, BaseUri: baseURI, Uri: uri,
			Mintable: flags&1 != 0, Burnable: flags&2 != 0, Pausable: flags&4 != 0, Permit: flags&8 != 0,
			Votes: flags&16 != 0, Flashmint: flags&32 != 0, Enumerable: flags&64 != 0, UriStorage: flags&128 != 0,
			Incremental: flags&256 != 0, Supply: flags&512 != 0, UpdatableUri: flags&1024 != 0,
			Access: modes[int(access)%len(modes)],
		}
		tmpl := &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind(kind % 5), Name: name, Symbol: symbol, Options: o}
		res, err := Generate(tmpl)
		if err != nil {
			if !errors.Is(err, ErrInvalidTemplate) {
				t.Fatalf("error %v does not wrap ErrInvalidTemplate", err)
			}
			return
		}
		if !identRE.MatchString(name) || res.ContractName != name {
			t.Fatalf("accepted name %q", name)
		}
		if !symbolRE.MatchString(symbol) {
			t.Fatalf("accepted symbol %q", symbol)
		}
		for i := 0; i < len(res.Source); i++ {
			if c := res.Source[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
				t.Fatalf("byte 0x%02x in source", c)
			}
		}
		allowed := map[string]bool{name: true, symbol: true, baseURI: true, uri: true, "1": true,
			"PAUSER_ROLE": true, "MINTER_ROLE": true, "URI_SETTER_ROLE": true}
		contracts := 0
		for _, line := range strings.Split(res.Source, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "//") {
				continue
			}
			for _, m := range literalRE.FindAllStringSubmatch(line, -1) {
				if !allowed[m[1]] && !strings.HasPrefix(m[1], ozPrefix) {
					t.Fatalf("unexpected string literal %q in line %q", m[1], line)
				}
			}
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("unbalanced quotes in line %q", line)
			}
			if strings.HasPrefix(line, "contract ") {
				contracts++
				if !strings.HasPrefix(line, "contract "+name+" ") {
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
	})
}
