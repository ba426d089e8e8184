package lint

import (
	"fmt"
	"strings"
)

// Reference ties a detector to the public classifications users know: the
// SWC registry's entry and the CWE weaknesses it is an instance of. Code
// scanning tools show them (SARIF helpUri and tags).
type Reference struct {
	SWC string // "SWC-107"; "" when the registry has no entry
	CWE []int
}

// references has an entry for every detector (TestEveryDetectorHasAReference).
var references = map[string]Reference{
	"reentrancy-eth":               {"SWC-107", []int{841}},
	"reentrancy-unlimited-gas":     {"SWC-107", []int{841}},
	"tx-origin":                    {"SWC-115", []int{477}},
	"encode-packed-collision":      {"SWC-133", []int{294}},
	"right-to-left-override":       {"SWC-130", []int{451}},
	"assignment-typo":              {"SWC-129", []int{480}},
	"hardcoded-gas":                {"SWC-134", []int{655}},
	"unchecked-lowlevel":           {"SWC-104", []int{252}},
	"unchecked-transfer":           {"SWC-104", []int{252}},
	"unprotected-selfdestruct":     {"SWC-106", []int{284}},
	"controlled-delegatecall":      {"SWC-112", []int{829}},
	"arbitrary-send-eth":           {"SWC-105", []int{284}},
	"unprotected-ether-withdrawal": {"SWC-105", []int{284}},
	"missing-access-control":       {"", []int{284}},
	"unprotected-initializer":      {"", []int{665}},
	"incorrect-constructor-name":   {"SWC-118", []int{665}},
	"default-visibility":           {"SWC-100", []int{710}},
	"weak-prng":                    {"SWC-120", []int{330}},
	"integer-overflow":             {"SWC-101", []int{682}},
	"incorrect-equality":           {"SWC-132", []int{667}},
	"locked-ether":                 {"", []int{404}},
	"shadowing-state":              {"SWC-119", []int{710}},
	"uninitialized-storage":        {"SWC-109", []int{824}},
	"calls-loop":                   {"SWC-113", []int{703}},
	"dos-revert":                   {"SWC-113", []int{703}},
	"dos-unbounded-loop":           {"SWC-128", []int{400}},
	"front-running":                {"SWC-114", []int{362}},
	"tx-order-dependence":          {"SWC-114", []int{362}},
	"erc20-approve-race":           {"SWC-114", []int{362}},
	"short-address":                {"", []int{20}},
	"timestamp":                    {"SWC-116", []int{829}},
	"unchecked-arithmetic":         {"SWC-101", []int{682}},
	"missing-zero-check":           {"", []int{20}},
	"shadowing-local":              {"SWC-119", []int{710}},
	"deprecated":                   {"SWC-111", []int{477}},
	"pragma-floating":              {"SWC-103", []int{664}},
	"solc-version":                 {"SWC-102", []int{937}},
}

// Reference answers the detector's SWC entry and CWE weaknesses.
func (d Detector) Reference() Reference { return references[d.ID] }

// HelpURI is the SWC registry's page of the detector's class, or "" when
// the registry has none.
func (d Detector) HelpURI() string {
	if r := d.Reference(); r.SWC != "" {
		return "https://swcregistry.io/docs/" + r.SWC
	}
	return ""
}

// Help is the detector's documentation as plain text and as Markdown:
// what it finds, how sure and how severe a finding is, and its SWC and
// CWE classes.
func (d Detector) Help() (text, markdown string) {
	r := d.Reference()
	var classes, links []string
	if r.SWC != "" {
		classes = append(classes, r.SWC)
		links = append(links, fmt.Sprintf("[%s](%s)", r.SWC, d.HelpURI()))
	}
	for _, c := range r.CWE {
		classes = append(classes, fmt.Sprintf("CWE-%d", c))
		links = append(links, fmt.Sprintf("[CWE-%d](https://cwe.mitre.org/data/definitions/%d.html)", c, c))
	}
	text = fmt.Sprintf("%s\n\n%s\n\nSeverity %s, confidence %s. Detector %s of Slipway's audit.", d.Title, d.Description, d.Severity, d.Confidence, d.ID)
	markdown = fmt.Sprintf("**%s**\n\n%s\n\n- Severity: %s, confidence: %s\n- Detector: `%s` (Slipway audit)", d.Title, d.Description, d.Severity, d.Confidence, d.ID)
	if len(classes) > 0 {
		text += " Classes: " + strings.Join(classes, ", ") + "."
		markdown += "\n- Classes: " + strings.Join(links, ", ")
	}
	return text, markdown
}
