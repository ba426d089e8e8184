package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// KMSPrefix starts a signer reference to an AWS KMS key: "awskms:" then a
// key id, alias ("alias/name") or ARN. The key signs inside KMS; Slipway
// holds only its address.
const KMSPrefix = "awskms:"

// SignerRef is one member of a network's signer pool. In the networks file
// it is either the reference alone ("env:KEY") or an object
// ({"ref": "awskms:alias/a", "draining": true}).
type SignerRef struct {
	// Ref is a secret reference holding a hex private key, or KMSPrefix
	// and a KMS key.
	Ref string `json:"ref"`
	// Draining takes the signer out of rotation: no new deployment is bound
	// to it, while the deployments it already signed are bumped, repaired
	// and confirmed with it to their end. Rotating a key is adding the new
	// one, draining the old, and removing it once `slipway signers` shows
	// nothing pending.
	Draining bool `json:"draining,omitempty"`
}

// UnmarshalJSON takes the string form as well as the object.
func (s *SignerRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*s = SignerRef{}
		return json.Unmarshal(b, &s.Ref)
	}
	type plain SignerRef
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("signer: %w", err)
	}
	*s = SignerRef(p)
	return nil
}

// IsKMS reports whether the signer is a KMS key.
func (s SignerRef) IsKMS() bool { return strings.HasPrefix(s.Ref, KMSPrefix) }

func (s SignerRef) validate() error {
	switch {
	case s.Ref == "":
		return errors.New("a signer needs a ref")
	case s.IsKMS():
		if strings.TrimSpace(strings.TrimPrefix(s.Ref, KMSPrefix)) == "" {
			return fmt.Errorf("signer %q: name the KMS key after %q (key id, alias/NAME or ARN)", s.Ref, KMSPrefix)
		}
	case !strings.Contains(s.Ref, ":"):
		return fmt.Errorf("signer %q must be a secret reference such as env:NAME or file:/path, or %sKEY", s.Ref, KMSPrefix)
	}
	return nil
}

// SignerPool answers the network's signers: Signer first, then Signers.
func (n Network) SignerPool() []SignerRef {
	pool := make([]SignerRef, 0, len(n.Signers)+1)
	if n.Signer != "" {
		pool = append(pool, SignerRef{Ref: n.Signer})
	}
	return append(pool, n.Signers...)
}
