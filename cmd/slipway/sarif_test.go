package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/activities/lint"
)

// The SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) as far as the
// audit's log uses it, written out by hand so that the check needs no
// network: for each object its properties (every object of the schema but
// the property bags forbids others), the ones it requires, and what its
// values must be. validateSARIF walks a log against it and then checks
// what GitHub code scanning adds on top (docs: "SARIF support for code
// scanning").

type sarifObject struct {
	allowed  []string
	required []string
	// anyOf: at least one of these properties (message: text or id;
	// physicalLocation: address or artifactLocation).
	anyOf []string
}

var sarifSchema = map[string]sarifObject{
	"sarifLog": {allowed: []string{"$schema", "version", "runs", "inlineExternalProperties", "properties"}, required: []string{"version", "runs"}},
	"run": {allowed: []string{"tool", "invocations", "conversion", "language", "versionControlProvenance", "originalUriBaseIds", "artifacts",
		"logicalLocations", "graphs", "results", "automationDetails", "runAggregates", "baselineGuid", "redactionTokens", "defaultEncoding",
		"defaultSourceLanguage", "newlineSequences", "columnKind", "externalPropertyFileReferences", "threadFlowLocations", "taxonomies",
		"addresses", "translations", "policies", "webRequests", "webResponses", "specialLocations", "properties"}, required: []string{"tool"}},
	"tool": {allowed: []string{"driver", "extensions", "properties"}, required: []string{"driver"}},
	"toolComponent": {allowed: []string{"guid", "name", "organization", "product", "productSuite", "shortDescription", "fullDescription",
		"fullName", "version", "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "informationUri",
		"globalMessageStrings", "notifications", "rules", "taxa", "locations", "language", "contents", "isComprehensive",
		"localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent", "translationMetadata",
		"supportedTaxonomies", "properties"}, required: []string{"name"}},
	"reportingDescriptor": {allowed: []string{"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription",
		"fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships", "properties"}, required: []string{"id"}},
	"reportingConfiguration":   {allowed: []string{"enabled", "level", "rank", "parameters", "properties"}},
	"multiformatMessageString": {allowed: []string{"text", "markdown", "properties"}, required: []string{"text"}},
	"message":                  {allowed: []string{"text", "markdown", "id", "arguments", "properties"}, anyOf: []string{"text", "id"}},
	"result": {allowed: []string{"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget", "locations", "guid",
		"correlationGuid", "occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals",
		"relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes",
		"taxa", "webRequest", "webResponse", "properties"}, required: []string{"message"}},
	"location":         {allowed: []string{"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"}},
	"physicalLocation": {allowed: []string{"address", "artifactLocation", "region", "contextRegion", "properties"}, anyOf: []string{"address", "artifactLocation"}},
	"artifactLocation": {allowed: []string{"uri", "uriBaseId", "index", "description", "properties"}},
	"region": {allowed: []string{"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset", "byteLength",
		"snippet", "sourceLanguage", "message", "properties"}},
}

// sarifChecker collects what is wrong, each with its JSON path.
type sarifChecker struct{ errs []string }

func (c *sarifChecker) errorf(at, format string, args ...any) {
	c.errs = append(c.errs, at+": "+fmt.Sprintf(format, args...))
}

// object checks v against a schema object and returns it as a map.
func (c *sarifChecker) object(at string, v any, kind string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.errorf(at, "%s is %T, not an object", kind, v)
		return nil
	}
	s := sarifSchema[kind]
	allowed := map[string]bool{}
	for _, k := range s.allowed {
		allowed[k] = true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			c.errorf(at, "%s has property %q, which the schema does not allow", kind, k)
		}
	}
	for _, k := range s.required {
		if _, ok := m[k]; !ok {
			c.errorf(at, "%s lacks required %q", kind, k)
		}
	}
	if len(s.anyOf) > 0 {
		found := false
		for _, k := range s.anyOf {
			_, found = m[k]
			if found {
				break
			}
		}
		if !found {
			c.errorf(at, "%s needs one of %v", kind, s.anyOf)
		}
	}
	return m
}

func (c *sarifChecker) array(at string, v any) []any {
	a, ok := v.([]any)
	if !ok {
		c.errorf(at, "is %T, not an array", v)
	}
	return a
}

func (c *sarifChecker) str(at string, v any) string {
	s, ok := v.(string)
	if !ok {
		c.errorf(at, "is %T, not a string", v)
	}
	return s
}

// integer checks a JSON number is an integer of at least min.
func (c *sarifChecker) integer(at string, v any, min int) int {
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) || int(f) < min {
		c.errorf(at, "is %v, want an integer >= %d", v, min)
		return -1
	}
	return int(f)
}

func (c *sarifChecker) oneOf(at string, v any, values ...string) string {
	s := c.str(at, v)
	for _, x := range values {
		if s == x {
			return s
		}
	}
	c.errorf(at, "is %q, want one of %v", s, values)
	return s
}

func (c *sarifChecker) text(at string, v any) {
	if m := c.object(at, v, "multiformatMessageString"); m != nil {
		if c.str(at+".text", m["text"]) == "" {
			c.errorf(at+".text", "is empty")
		}
		if md, ok := m["markdown"]; ok {
			c.str(at+".markdown", md)
		}
	}
}

// propertyBag: tags, when present, is an array of unique strings.
func (c *sarifChecker) propertyBag(at string, v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.errorf(at, "property bag is %T, not an object", v)
		return nil
	}
	if tags, ok := m["tags"]; ok {
		seen := map[string]bool{}
		for i, t := range c.array(at+".tags", tags) {
			s := c.str(fmt.Sprintf("%s.tags[%d]", at, i), t)
			if seen[s] {
				c.errorf(at+".tags", "%q twice (uniqueItems)", s)
			}
			seen[s] = true
		}
	}
	return m
}

var levels = []string{"none", "note", "warning", "error"}

// validateSARIF checks a log against the schema's rules above and
// GitHub's requirements, and answers every violation.
func validateSARIF(raw []byte) []string {
	c := &sarifChecker{}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	log := c.object("$", v, "sarifLog")
	if log == nil {
		return c.errs
	}
	c.oneOf("$.version", log["version"], "2.1.0")
	if s, ok := log["$schema"]; ok {
		if u, err := url.Parse(c.str("$.$schema", s)); err != nil || !u.IsAbs() {
			c.errorf("$.$schema", "is not an absolute URI")
		}
	}
	runs := c.array("$.runs", log["runs"])
	if len(runs) != 1 {
		c.errorf("$.runs", "has %d runs, want 1 (GitHub takes one run per tool and category)", len(runs))
	}
	for ri, rv := range runs {
		at := fmt.Sprintf("$.runs[%d]", ri)
		run := c.object(at, rv, "run")
		if run == nil {
			continue
		}
		if ck, ok := run["columnKind"]; ok {
			c.oneOf(at+".columnKind", ck, "utf16CodeUnits", "unicodeCodePoints")
		}
		tool := c.object(at+".tool", run["tool"], "tool")
		if tool == nil {
			continue
		}
		driver := c.object(at+".tool.driver", tool["driver"], "toolComponent")
		if driver == nil {
			continue
		}
		if c.str(at+".tool.driver.name", driver["name"]) == "" {
			c.errorf(at+".tool.driver.name", "is empty")
		}
		if u, ok := driver["informationUri"]; ok {
			if pu, err := url.Parse(c.str(at+".tool.driver.informationUri", u)); err != nil || !pu.IsAbs() {
				c.errorf(at+".tool.driver.informationUri", "is not an absolute URI")
			}
		}
		var ruleIDs []string
		for i, rv := range c.array(at+".tool.driver.rules", driver["rules"]) {
			rat := fmt.Sprintf("%s.tool.driver.rules[%d]", at, i)
			rule := c.object(rat, rv, "reportingDescriptor")
			if rule == nil {
				ruleIDs = append(ruleIDs, "")
				continue
			}
			id := c.str(rat+".id", rule["id"])
			ruleIDs = append(ruleIDs, id)
			// GitHub shows these: all present.
			for _, k := range []string{"name", "shortDescription", "fullDescription", "help", "defaultConfiguration", "properties"} {
				if _, ok := rule[k]; !ok {
					c.errorf(rat, "rule %s lacks %q, which GitHub displays", id, k)
				}
			}
			c.str(rat+".name", rule["name"])
			for _, k := range []string{"shortDescription", "fullDescription", "help"} {
				if x, ok := rule[k]; ok {
					c.text(rat+"."+k, x)
				}
			}
			if h, ok := rule["help"].(map[string]any); ok {
				if md, _ := h["markdown"].(string); md == "" {
					c.errorf(rat+".help.markdown", "is missing or empty")
				}
			}
			if u, ok := rule["helpUri"]; ok {
				if pu, err := url.Parse(c.str(rat+".helpUri", u)); err != nil || !pu.IsAbs() {
					c.errorf(rat+".helpUri", "is not an absolute URI")
				}
			}
			if dc := c.object(rat+".defaultConfiguration", rule["defaultConfiguration"], "reportingConfiguration"); dc != nil {
				c.oneOf(rat+".defaultConfiguration.level", dc["level"], levels...)
			}
			if props := c.propertyBag(rat+".properties", rule["properties"]); props != nil {
				c.oneOf(rat+".properties.precision", props["precision"], "very-high", "high", "medium", "low")
				if ss, ok := props["security-severity"]; ok {
					f, err := strconv.ParseFloat(c.str(rat+".properties.security-severity", ss), 64)
					if err != nil || f < 0 || f > 10 {
						c.errorf(rat+".properties.security-severity", "is %v, want a number from 0.0 to 10.0 as a string", ss)
					}
				}
				tags, _ := props["tags"].([]any)
				if len(tags) == 0 || tags[0] != "security" {
					c.errorf(rat+".properties.tags", "is %v, want \"security\" first", props["tags"])
				}
			}
		}
		seenRule := map[string]bool{}
		for _, id := range ruleIDs {
			if seenRule[id] {
				c.errorf(at+".tool.driver.rules", "rule id %q twice", id)
			}
			seenRule[id] = true
		}
		results, ok := run["results"]
		if !ok {
			c.errorf(at, "run has no results array (a scan must have one, possibly empty)")
			continue
		}
		for i, rv := range c.array(at+".results", results) {
			rat := fmt.Sprintf("%s.results[%d]", at, i)
			res := c.object(rat, rv, "result")
			if res == nil {
				continue
			}
			id := c.str(rat+".ruleId", res["ruleId"])
			ix := c.integer(rat+".ruleIndex", res["ruleIndex"], -1)
			if ix < 0 || ix >= len(ruleIDs) || ruleIDs[ix] != id {
				c.errorf(rat+".ruleIndex", "%d does not index rule %q", ix, id)
			}
			c.oneOf(rat+".level", res["level"], levels...)
			if msg := c.object(rat+".message", res["message"], "message"); msg != nil {
				if c.str(rat+".message.text", msg["text"]) == "" {
					c.errorf(rat+".message.text", "is empty")
				}
			}
			locs := c.array(rat+".locations", res["locations"])
			if len(locs) != 1 {
				c.errorf(rat+".locations", "has %d locations, want 1", len(locs))
			}
			for li, lv := range locs {
				lat := fmt.Sprintf("%s.locations[%d]", rat, li)
				loc := c.object(lat, lv, "location")
				if loc == nil {
					continue
				}
				pl := c.object(lat+".physicalLocation", loc["physicalLocation"], "physicalLocation")
				if pl == nil {
					continue
				}
				if al := c.object(lat+".physicalLocation.artifactLocation", pl["artifactLocation"], "artifactLocation"); al != nil {
					uri := c.str(lat+".physicalLocation.artifactLocation.uri", al["uri"])
					if u, err := url.Parse(uri); err != nil || u.IsAbs() || strings.HasPrefix(uri, "/") || uri == "" {
						c.errorf(lat+".physicalLocation.artifactLocation.uri", "%q is not a relative URI reference", uri)
					}
					if c.str(lat+".physicalLocation.artifactLocation.uriBaseId", al["uriBaseId"]) != "%SRCROOT%" {
						c.errorf(lat+".physicalLocation.artifactLocation.uriBaseId", "is %v, want %%SRCROOT%%", al["uriBaseId"])
					}
				}
				if reg := c.object(lat+".physicalLocation.region", pl["region"], "region"); reg != nil {
					c.integer(lat+".physicalLocation.region.startLine", reg["startLine"], 1)
					c.integer(lat+".physicalLocation.region.startColumn", reg["startColumn"], 1)
				}
			}
			fp, ok := res["partialFingerprints"].(map[string]any)
			if !ok || len(fp) == 0 {
				c.errorf(rat+".partialFingerprints", "is missing or empty")
			}
			for k, v := range fp {
				if c.str(rat+".partialFingerprints."+k, v) == "" {
					c.errorf(rat+".partialFingerprints."+k, "is empty")
				}
			}
			if p, ok := res["properties"]; ok {
				c.propertyBag(rat+".properties", p)
			}
		}
	}
	return c.errs
}

func sarifTestReport() (auditReport, map[string]string) {
	sources := map[string]string{
		"contracts/Vault.sol": "pragma solidity ^0.8.0;\ncontract V {\n  function w() external {\n    payable(msg.sender).transfer(1 ether);\n  }\n  function k() external { selfdestruct(payable(msg.sender)); }\n}\n",
		"My Token.sol":        "pragma solidity ^0.8.0;\ncontract T { function f() external { require(tx.origin == address(1)); } }\n",
	}
	fs := []lint.Finding{
		{Detector: "unprotected-ether-withdrawal", Severity: lint.High, Confidence: lint.ConfidenceMedium, Title: "Unprotected ether withdrawal",
			Description: "Function w sends ether to its caller.", File: "contracts/Vault.sol", Line: 3, Column: 12},
		{Detector: "unprotected-selfdestruct", Severity: lint.High, Confidence: lint.ConfidenceMedium, Title: "Unprotected selfdestruct",
			Description: "Anyone can destroy it.", File: "contracts/Vault.sol", Line: 6, Column: 12},
		{Detector: "tx-origin", Severity: lint.Medium, Confidence: lint.ConfidenceHigh, Title: "Authorization through tx.origin",
			Description: "tx.origin is the signer.", File: "My Token.sol", Line: 2, Column: 47},
		{Detector: "reentrancy-unlimited-gas", Severity: lint.Low, Confidence: lint.ConfidenceMedium, Title: "State written after send or transfer",
			Description: "State written after send or transfer: details.", File: "contracts/Vault.sol", Line: 4, Column: 5},
		{Detector: "pragma-floating", Severity: lint.Info, Confidence: lint.ConfidenceHigh, Title: "Floating pragma",
			Description: "Pin the compiler.", File: "My Token.sol", Line: 1, Column: 1},
	}
	return auditReport{Findings: fs, Summary: lint.Summarize(fs), CompilerVersion: "0.8.37"}, sources
}

// TestSARIFIsValid: the log validates against the schema's rules and
// GitHub's requirements, lists every detector as a rule, and maps each
// finding as documented.
func TestSARIFIsValid(t *testing.T) {
	rep, sources := sarifTestReport()
	var buf bytes.Buffer
	if err := writeSARIF(&buf, rep, sources); err != nil {
		t.Fatal(err)
	}
	for _, e := range validateSARIF(buf.Bytes()) {
		t.Error(e)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	rules := log.Runs[0].Tool.Driver.Rules
	if len(rules) != len(lint.Detectors()) {
		t.Errorf("%d rules, want one per detector (%d)", len(rules), len(lint.Detectors()))
	}
	byID := map[string]sarifRule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	// Each rule from its detector, through the documented mappings.
	for _, d := range lint.Detectors() {
		r, ok := byID[d.ID]
		if !ok {
			t.Errorf("no rule for detector %s", d.ID)
			continue
		}
		if r.DefaultConfiguration.Level != sarifLevel(d.Severity) || r.Properties.Precision != sarifPrecision(d.Confidence) ||
			r.Properties.SecuritySeverity != sarifSecuritySeverity(d.Severity) || r.HelpURI != d.HelpURI() ||
			r.ShortDescription.Text != d.Title || r.FullDescription.Text != d.Description {
			t.Errorf("rule %s = %+v for %+v", d.ID, r, d)
		}
	}
	for _, c := range []struct {
		sev                        lint.Severity
		conf                       lint.Confidence
		level, security, precision string
	}{
		{lint.High, lint.ConfidenceHigh, "error", "8.0", "very-high"},
		{lint.Medium, lint.ConfidenceMedium, "warning", "5.5", "high"},
		{lint.Low, lint.ConfidenceLow, "note", "2.0", "medium"},
		{lint.Info, "", "note", "", "low"},
	} {
		if sarifLevel(c.sev) != c.level || sarifSecuritySeverity(c.sev) != c.security || sarifPrecision(c.conf) != c.precision {
			t.Errorf("%s/%s maps to %s %q %s", c.sev, c.conf, sarifLevel(c.sev), sarifSecuritySeverity(c.sev), sarifPrecision(c.conf))
		}
	}
	if r := byID["reentrancy-unlimited-gas"]; r.Name != "ReentrancyUnlimitedGas" || r.HelpURI != "https://swcregistry.io/docs/SWC-107" {
		t.Errorf("reentrancy-unlimited-gas rule %+v", r)
	}
	if tags := byID["reentrancy-eth"].Properties.Tags; strings.Join(tags, ",") != "security,solidity,SWC-107,external/cwe/cwe-841" {
		t.Errorf("reentrancy-eth tags %v", tags)
	}
	res := log.Runs[0].Results
	if len(res) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(res), len(rep.Findings))
	}
	tx := res[2]
	if tx.RuleID != "tx-origin" || tx.Level != "warning" || rules[tx.RuleIndex].ID != "tx-origin" ||
		tx.Locations[0].PhysicalLocation.ArtifactLocation.URI != "My%20Token.sol" ||
		tx.Locations[0].PhysicalLocation.Region != (sarifRegion{StartLine: 2, StartColumn: 47}) ||
		tx.Message.Text != "Authorization through tx.origin: tx.origin is the signer." {
		t.Errorf("tx-origin result %+v", tx)
	}
	if res[3].Message.Text != rep.Findings[3].Description {
		t.Errorf("a description that starts with its title is the message as is: %q", res[3].Message.Text)
	}
	prints := map[string]bool{}
	for _, r := range res {
		fp := r.PartialFingerprints[sarifFingerprintKey]
		if prints[fp] {
			t.Errorf("fingerprint %s twice", fp)
		}
		prints[fp] = true
	}
	if log.Runs[0].ColumnKind != "unicodeCodePoints" {
		t.Errorf("columnKind %q", log.Runs[0].ColumnKind)
	}
	// No findings: still a valid log, with its rules and an empty results array.
	buf.Reset()
	if err := writeSARIF(&buf, auditReport{Findings: []lint.Finding{}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, e := range validateSARIF(buf.Bytes()) {
		t.Error("empty log:", e)
	}
	if !strings.Contains(buf.String(), `"results": []`) {
		t.Error("an empty scan has no results array")
	}
}

// TestValidateSARIFCatches: the validator is not vacuous.
func TestValidateSARIFCatches(t *testing.T) {
	rep, sources := sarifTestReport()
	good, err := json.Marshal(buildSARIF(rep, sources))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(m map[string]any)
		want string
	}{
		"unknown property": {func(m map[string]any) { resultAt(m, 0)["severity"] = "HIGH" }, `result has property "severity"`},
		"no message":       {func(m map[string]any) { delete(resultAt(m, 0), "message") }, `result lacks required "message"`},
		"bad index":        {func(m map[string]any) { resultAt(m, 0)["ruleIndex"] = 0.0 }, "does not index rule"},
		"absolute uri": {func(m map[string]any) {
			physicalAt(m, 0)["artifactLocation"] = map[string]any{"uri": "file:///tmp/V.sol", "uriBaseId": "%SRCROOT%"}
		}, "not a relative URI"},
		"line 0": {func(m map[string]any) {
			physicalAt(m, 0)["region"] = map[string]any{"startLine": 0.0, "startColumn": 1.0}
		}, "startLine: is 0"},
		"bad level": {func(m map[string]any) { resultAt(m, 0)["level"] = "high" }, `is "high", want one of`},
		"no rule text": {func(m map[string]any) {
			ruleAt(m, 0)["help"] = map[string]any{"markdown": "x"}
		}, `multiformatMessageString lacks required "text"`},
		"severity out of range": {func(m map[string]any) {
			ruleAt(m, 0)["properties"].(map[string]any)["security-severity"] = "11"
		}, "security-severity"},
		"precision":      {func(m map[string]any) { ruleAt(m, 0)["properties"].(map[string]any)["precision"] = "HIGH" }, "precision"},
		"no fingerprint": {func(m map[string]any) { delete(resultAt(m, 0), "partialFingerprints") }, "partialFingerprints"},
		"version":        {func(m map[string]any) { m["version"] = "2.0.0" }, "$.version"},
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		c.edit(m)
		raw, _ := json.Marshal(m)
		errs := strings.Join(validateSARIF(raw), "\n")
		if !strings.Contains(errs, c.want) {
			t.Errorf("%s: errors %q do not mention %q", name, errs, c.want)
		}
	}
}

func runAt0(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }

func resultAt(m map[string]any, i int) map[string]any {
	return runAt0(m)["results"].([]any)[i].(map[string]any)
}

func ruleAt(m map[string]any, i int) map[string]any {
	return runAt0(m)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[i].(map[string]any)
}

func physicalAt(m map[string]any, i int) map[string]any {
	return resultAt(m, i)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
}

// TestSARIFFingerprints: an alert keeps its fingerprint when lines are
// added above it, and two identical lines get distinct ones.
func TestSARIFFingerprints(t *testing.T) {
	f := lint.Finding{Detector: "tx-origin", File: "W.sol", Line: 2}
	before := sarifFingerprints([]lint.Finding{f}, map[string]string{"W.sol": "x\n  require(tx.origin == owner);\n"})
	moved := f
	moved.Line = 4
	after := sarifFingerprints([]lint.Finding{moved}, map[string]string{"W.sol": "x\n// new\n\n    require(tx.origin  ==  owner);\n"})
	if before[0] != after[0] {
		t.Errorf("fingerprint changed when the line moved: %s, %s", before[0], after[0])
	}
	twice := sarifFingerprints([]lint.Finding{f, {Detector: "tx-origin", File: "W.sol", Line: 3}},
		map[string]string{"W.sol": "x\nrequire(tx.origin == owner);\nrequire(tx.origin == owner);\n"})
	if twice[0] == twice[1] || !strings.HasSuffix(twice[0], ":1") || !strings.HasSuffix(twice[1], ":2") {
		t.Errorf("identical lines: %v", twice)
	}
	other := sarifFingerprints([]lint.Finding{{Detector: "reentrancy-eth", File: "W.sol", Line: 2}}, map[string]string{"W.sol": "x\n  require(tx.origin == owner);\n"})
	if other[0] == before[0] {
		t.Error("another rule on the same line has the same fingerprint")
	}
}

func TestSARIFURI(t *testing.T) {
	for in, want := range map[string]string{
		"Wallet.sol":             "Wallet.sol",
		"contracts/My Token.sol": "contracts/My%20Token.sol",
		"/abs/x.sol":             "abs/x.sol",
		`dir\y.sol`:              "dir/y.sol",
		"a:b.sol":                "./a:b.sol",
		"@openzeppelin/contracts/access/Ownable.sol": "@openzeppelin/contracts/access/Ownable.sol",
		"c/ü#1.sol": "c/%C3%BC%231.sol",
	} {
		got := sarifURI(in)
		if got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
		if u, err := url.Parse(got); err != nil || u.IsAbs() {
			t.Errorf("sarifURI(%q) = %q is not a relative reference", in, got)
		}
	}
}
