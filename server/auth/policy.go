package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinPasswordLen is the shortest password accepted, in characters: NIST SP
// 800-63B's advice for passwords chosen by users without composition rules
// is length plus a blocklist, which is what this policy is.
const MinPasswordLen = 12

// maxPasswordBytes bounds what is hashed; the API already limits passwords
// to 1024 characters, and 4 KiB of UTF-8 holds any of those.
const maxPasswordBytes = 4096

// WeakPasswordError says why a password was refused. Its message names the
// rule, never the password.
type WeakPasswordError struct{ Reason string }

func (e *WeakPasswordError) Error() string {
	return "password too weak: " + e.Reason
}

//go:embed common_passwords.txt
var commonPasswordsText string

//go:embed common_words.txt
var commonWordsText string

var (
	commonPasswords = wordSet(commonPasswordsText)
	commonWords     = wordSet(commonWordsText)
)

func wordSet(text string) map[string]struct{} {
	set := map[string]struct{}{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
}

// walks are keyboard rows, the alphabet and digits in order (both ways): a
// password that is a run along one of them is guessed early by every
// cracker.
var walks = func() []string {
	base := []string{
		strings.Repeat("0123456789", 4),
		strings.Repeat("abcdefghijklmnopqrstuvwxyz", 2),
		"qwertyuiopasdfghjklzxcvbnm",
		"qwertyuiop[]asdfghjkl;'zxcvbnm,./",
		"1234567890-=qwertyuiop[]asdfghjkl;'zxcvbnm,./",
		"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
		"zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p;/",
		"qazwsxedcrfvtgbyhnujmikolp",
		"azertyuiopqsdfghjklmwxcvbn",
		"qwertzuiopasdfghjklyxcvbnm",
	}
	out := make([]string, 0, 2*len(base))
	for _, w := range base {
		r := []rune(w)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		out = append(out, w, string(r))
	}
	return out
}()

// leet undoes the usual character swaps (p@ssw0rd → password) before a
// password's core is looked up among common words.
var leet = strings.NewReplacer("0", "o", "@", "a", "4", "a", "3", "e", "1", "i", "!", "i", "$", "s", "5", "s", "7", "t", "+", "t")

// CheckPassword applies the password policy: at least MinPasswordLen
// characters, and not guessable from the lists and patterns attackers try
// first — an embedded list of common passwords, a common word with digits or
// symbols around it, keyboard and alphabet runs, a short unit repeated, too
// few distinct characters, or the account's own email address. The error is
// a *WeakPasswordError.
func CheckPassword(password, email string) error {
	if !utf8.ValidString(password) {
		return &WeakPasswordError{Reason: "password must be valid UTF-8 text"}
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return &WeakPasswordError{Reason: fmt.Sprintf("use at least %d characters", MinPasswordLen)}
	}
	if len(password) > maxPasswordBytes {
		return &WeakPasswordError{Reason: fmt.Sprintf("use at most %d bytes", maxPasswordBytes)}
	}
	lower := strings.ToLower(password)
	if _, ok := commonPasswords[lower]; ok {
		return &WeakPasswordError{Reason: "it is on the list of common passwords; choose something less predictable, such as a few unrelated words"}
	}
	if distinct(lower) < 5 {
		return &WeakPasswordError{Reason: "it uses too few different characters"}
	}
	for _, w := range walks {
		if strings.Contains(w, lower) {
			return &WeakPasswordError{Reason: "it is a keyboard, alphabet or number sequence"}
		}
	}
	if unit, ok := repeatedUnit(lower); ok && (utf8.RuneCountInString(unit) <= 6 || isCommon(unit)) {
		return &WeakPasswordError{Reason: "it repeats a short or common sequence"}
	}
	if core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }); core != "" && isCommon(core) {
		return &WeakPasswordError{Reason: "it is a common word with only digits or symbols added"}
	}
	if basedOnEmail(lower, email) {
		return &WeakPasswordError{Reason: "it is based on your email address"}
	}
	return nil
}

// isCommon reports whether s, as typed or with leetspeak undone, is a
// common word or password.
func isCommon(s string) bool {
	for _, c := range []string{s, leet.Replace(s)} {
		if _, ok := commonWords[c]; ok {
			return true
		}
		if _, ok := commonPasswords[c]; ok {
			return true
		}
	}
	return false
}

func distinct(s string) int {
	seen := map[rune]struct{}{}
	for _, r := range s {
		seen[r] = struct{}{}
	}
	return len(seen)
}

// repeatedUnit answers the shortest unit that s is two or more copies of
// (a trailing partial copy allowed: "abcabcab" is "abc" repeated).
func repeatedUnit(s string) (string, bool) {
	r := []rune(s)
	for period := 1; period <= len(r)/2; period++ {
		ok := true
		for i := period; i < len(r); i++ {
			if r[i] != r[i-period] {
				ok = false
				break
			}
		}
		if ok {
			return string(r[:period]), true
		}
	}
	return "", false
}

// basedOnEmail reports whether password is little more than the local part
// of email or its domain's first label: what remains after removing them
// has fewer than four letters ("alice2024!", "alicealice").
func basedOnEmail(password, email string) bool {
	email = NormalizeEmail(email)
	local, domain, _ := strings.Cut(email, "@")
	label, _, _ := strings.Cut(domain, ".")
	rest := password
	removed := false
	for _, part := range []string{email, local, label} {
		if utf8.RuneCountInString(part) >= 3 && strings.Contains(rest, part) {
			rest = strings.ReplaceAll(rest, part, "")
			removed = true
		}
	}
	if !removed {
		return false
	}
	letters := 0
	for _, r := range rest {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters < 4
}

// NormalizeEmail is the form emails are stored and looked up in: trimmed
// and lower-cased. The schema's unique index on lower(email) stays the
// final guard against two accounts for one mailbox.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
