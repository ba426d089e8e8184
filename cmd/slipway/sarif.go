package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/slipway-dev/slipway/activities/lint"
)

// The SARIF 2.1.0 log of `slipway audit --sarif`, in the shape GitHub code
// scanning accepts (docs.github.com, "SARIF support for code scanning"):
// one run whose driver lists every detector as a rule — with its
// documentation, precision, security severity and tags — and one result
// per finding, located relative to %SRCROOT% and fingerprinted so that an
// alert keeps its identity when lines move. Field names follow the SARIF
// schema, whose objects take no other properties (custom data goes in the
// property bags).

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifText          `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

// sarifText is SARIF's message and multiformatMessageString.
type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

// sarifRuleProps are the rule properties GitHub reads: precision (how
// often the rule is right), security-severity (a CVSS-like score as a
// string, which ranks alerts critical/high/medium/low) and tags.
type sarifRuleProps struct {
	Precision        string   `json:"precision"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags"`
	Severity         string   `json:"slipway-severity"`
	Confidence       string   `json:"slipway-confidence"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]string `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

// sarifFingerprintKey names Slipway's partial fingerprint: versioned, as
// SARIF recommends, so that a change of its recipe starts new alerts
// rather than matching old ones wrongly.
const sarifFingerprintKey = "slipwayFinding/v1"

// sarifLevel is a severity's SARIF level (and the rule's default one).
func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.High:
		return "error"
	case lint.Medium:
		return "warning"
	}
	return "note"
}

// sarifSecuritySeverity maps a severity onto GitHub's 0–10 scale: HIGH is
// high (7.0–8.9), MEDIUM medium (4.0–6.9), LOW low (0.1–3.9); INFO has
// none, so GitHub shows it as a plain note.
func sarifSecuritySeverity(s lint.Severity) string {
	switch s {
	case lint.High:
		return "8.0"
	case lint.Medium:
		return "5.5"
	case lint.Low:
		return "2.0"
	}
	return ""
}

// sarifPrecision maps a detector's confidence onto SARIF's precision, one
// step up as Slither does it: confidence HIGH (tx.origin in a condition:
// certain) is very-high, MEDIUM high, LOW medium.
func sarifPrecision(c lint.Confidence) string {
	switch c {
	case lint.ConfidenceHigh:
		return "very-high"
	case lint.ConfidenceMedium:
		return "high"
	case lint.ConfidenceLow:
		return "medium"
	}
	return "low"
}

// sarifRuleName turns a detector id into the rule's friendly name:
// reentrancy-eth → ReentrancyEth.
func sarifRuleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func sarifRules() ([]sarifRule, map[string]int) {
	ds := lint.Detectors()
	rules := make([]sarifRule, 0, len(ds))
	index := map[string]int{}
	for _, d := range ds {
		text, md := d.Help()
		tags := []string{"security", "solidity"}
		ref := d.Reference()
		if ref.SWC != "" {
			tags = append(tags, ref.SWC)
		}
		for _, c := range ref.CWE {
			tags = append(tags, fmt.Sprintf("external/cwe/cwe-%d", c))
		}
		index[d.ID] = len(rules)
		rules = append(rules, sarifRule{
			ID:                   d.ID,
			Name:                 sarifRuleName(d.ID),
			ShortDescription:     sarifText{Text: d.Title},
			FullDescription:      sarifText{Text: d.Description},
			Help:                 sarifText{Text: text, Markdown: md},
			HelpURI:              d.HelpURI(),
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(d.Severity)},
			Properties: sarifRuleProps{
				Precision:        sarifPrecision(d.Confidence),
				SecuritySeverity: sarifSecuritySeverity(d.Severity),
				Tags:             tags,
				Severity:         string(d.Severity),
				Confidence:       string(d.Confidence),
			},
		})
	}
	return rules, index
}

// sarifURI is a finding's file as a URI reference relative to %SRCROOT%:
// forward slashes, no leading slash, escaped ("My Token.sol" →
// "My%20Token.sol"; a colon in the first segment gets a "./" so that it
// does not read as a scheme).
func sarifURI(file string) string {
	p := path.Clean(strings.TrimLeft(strings.ReplaceAll(file, `\`, "/"), "/"))
	return (&url.URL{Path: p}).String()
}

// sarifFingerprints computes each finding's partial fingerprint: a hash
// of the rule, the file and the text of the finding's line with its
// whitespace collapsed, and the occurrence of that triple among the
// findings (":1", ":2"…), so that the alert survives lines inserted above
// it, as GitHub's own primaryLocationLineHash does.
func sarifFingerprints(findings []lint.Finding, sources map[string]string) []string {
	lines := map[string][]string{}
	seen := map[string]int{}
	out := make([]string, len(findings))
	for i, f := range findings {
		ls, ok := lines[f.File]
		if !ok {
			ls = strings.Split(sources[f.File], "\n")
			lines[f.File] = ls
		}
		text := ""
		if f.Line >= 1 && f.Line <= len(ls) {
			text = strings.Join(strings.Fields(ls[f.Line-1]), " ")
		}
		if text == "" {
			// No source (a dependency's file): the line number stands in.
			text = fmt.Sprintf("line %d", f.Line)
		}
		sum := sha256.Sum256([]byte(f.Detector + "\x00" + sarifURI(f.File) + "\x00" + text))
		key := hex.EncodeToString(sum[:16])
		seen[key]++
		out[i] = fmt.Sprintf("%s:%d", key, seen[key])
	}
	return out
}

// buildSARIF turns an audit report into a SARIF log; sources (by the
// names solc saw) give the lines fingerprints hash.
func buildSARIF(r auditReport, sources map[string]string) sarifLog {
	rules, index := sarifRules()
	prints := sarifFingerprints(r.Findings, sources)
	results := make([]sarifResult, 0, len(r.Findings))
	for i, f := range r.Findings {
		ri, ok := index[f.Detector]
		if !ok {
			// A finding of a detector Detectors() does not list cannot
			// happen; a rule of its own keeps the log valid if it did.
			ri = len(rules)
			index[f.Detector] = ri
			rules = append(rules, sarifRule{ID: f.Detector, Name: sarifRuleName(f.Detector), ShortDescription: sarifText{Text: f.Title},
				FullDescription: sarifText{Text: f.Title}, Help: sarifText{Text: f.Title},
				DefaultConfiguration: sarifConfiguration{Level: sarifLevel(f.Severity)},
				Properties: sarifRuleProps{Precision: sarifPrecision(f.Confidence), SecuritySeverity: sarifSecuritySeverity(f.Severity),
					Tags: []string{"security", "solidity"}, Severity: string(f.Severity), Confidence: string(f.Confidence)}})
		}
		msg := f.Description
		if !strings.HasPrefix(msg, f.Title) {
			msg = f.Title + ": " + msg
		}
		results = append(results, sarifResult{
			RuleID:    f.Detector,
			RuleIndex: ri,
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifURI(f.File), URIBaseID: "%SRCROOT%"},
				Region:           sarifRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Column, 1)},
			}}},
			PartialFingerprints: map[string]string{sarifFingerprintKey: prints[i]},
			Properties:          map[string]string{"severity": string(f.Severity), "confidence": string(f.Confidence)},
		})
	}
	return sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{Name: "slipway-audit", InformationURI: "https://github.com/slipway-dev/slipway",
				Version: strings.TrimSpace(version()), Rules: rules}},
			// Finding columns count characters (lint.LineIndex).
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	}
}

// writeSARIF writes the findings as a SARIF 2.1.0 log, the format GitHub
// code scanning and most CI dashboards read.
func writeSARIF(w io.Writer, r auditReport, sources map[string]string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(buildSARIF(r, sources)); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}
