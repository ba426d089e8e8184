package lint

import (
	"fmt"
	"testing"

	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// TestGeneratedTemplatesAreClean holds the toolchain's promise that what
// Slipway generates passes its own audit gate: no HIGH or MEDIUM finding in
// any kind, with every option on, under each access mode.
func TestGeneratedTemplatesAreClean(t *testing.T) {
	templates := map[string]*slipwayv1.ContractTemplate{}
	for _, access := range []string{"ownable", "roles", "managed"} {
		templates["ERC20"+access] = &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Token", Symbol: "TKN", Options: &slipwayv1.TemplateOptions{
			Premint: "1000", Mintable: true, Burnable: true, Pausable: true, Votes: true, Flashmint: true, Capped: "1000000", Access: access}}
		templates["ERC721"+access] = &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC721, Name: "Art", Symbol: "ART", Options: &slipwayv1.TemplateOptions{
			BaseUri: "ipfs://base/", Enumerable: true, UriStorage: true, Incremental: true, Mintable: true, Burnable: true, Pausable: true, Votes: true, Access: access}}
		templates["ERC1155"+access] = &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC1155, Name: "Items", Options: &slipwayv1.TemplateOptions{
			Uri: "ipfs://items/{id}.json", Mintable: true, Burnable: true, Pausable: true, Supply: true, Access: access}}
	}
	for name, tmpl := range templates {
		t.Run(name, func(t *testing.T) {
			gen, err := generate.Generate(tmpl)
			if err != nil {
				t.Fatalf("generate: %v", err)
			}
			file := fmt.Sprintf("%s.sol", gen.ContractName)
			res := compileSources(t, map[string]string{file: gen.Source})
			findings, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				if f.Severity.Rank() >= Medium.Rank() {
					t.Errorf("%s:%d: %s %s: %s", f.File, f.Line, f.Severity, f.Detector, f.Title)
				}
			}
			if Gate(findings, Medium) {
				t.Errorf("generated %s fails a MEDIUM gate", name)
			}
		})
	}
}
