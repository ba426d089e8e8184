package anvil

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
)

// DevChainID is the chain id of local development chains (anvil and hardhat
// default to it). It is the only chain on which Slipway accepts the publicly
// known test keys, because funds there are worthless by construction.
const DevChainID = 31337

// TestMnemonic is the BIP-39 mnemonic that anvil, hardhat and most Ethereum
// tooling use for their funded dev accounts. Everything derived from it is
// public: anyone can sweep funds sent to those accounts on a real network.
const TestMnemonic = "test test test test test test test test test test test junk"

// ganacheMnemonic is what `ganache --deterministic` uses; its keys are just
// as public as TestMnemonic's.
const ganacheMnemonic = "myth like bonus scare over problem client lizard pioneer submit female collect"

// knownKeysPerMnemonic bounds how many accounts of each public mnemonic
// IsKnownTestKey recognises. anvil funds 10 and hardhat 20 by default, but both
// take larger counts, and every index is equally public; deriving 1000 costs
// about a millisecond once.
const knownKeysPerMnemonic = 1000

// hardened marks a hardened BIP-32 child index.
const hardened = 1 << 31

// ethAccountPath is BIP-44 m/44'/60'/0'/0, the parent of the dev accounts
// m/44'/60'/0'/0/i.
var ethAccountPath = []uint32{44 + hardened, 60 + hardened, 0 + hardened, 0}

var knownTestKeys = sync.OnceValue(func() map[[32]byte]struct{} {
	keys := make(map[[32]byte]struct{}, 2*knownKeysPerMnemonic)
	for _, m := range []string{TestMnemonic, ganacheMnemonic} {
		derived, err := deriveAccountKeys(m, knownKeysPerMnemonic)
		if err != nil {
			// The inputs are constants; a failure is a bug in the derivation.
			panic(fmt.Sprintf("derive known test keys: %v", err))
		}
		for _, k := range derived {
			keys[k] = struct{}{}
		}
	}
	return keys
})

// IsKnownTestKey reports whether hexKey (with or without 0x, any case) is one
// of the publicly known test private keys: the first 1000 BIP-44 accounts
// (m/44'/60'/0'/0/i) of TestMnemonic (anvil, hardhat, foundry) and of
// ganache's deterministic mnemonic. The deploy pipeline uses it to refuse such
// keys on any chain but DevChainID, where a leaked key costs nothing.
// Anything that does not parse as a 32-byte key is not a known test key.
func IsKnownTestKey(hexKey string) bool {
	s := strings.TrimSpace(hexKey)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 64 {
		return false
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return false
	}
	var k [32]byte
	copy(k[32-len(b):], b)
	_, ok := knownTestKeys()[k]
	return ok
}

// deriveAccountKeys derives the private keys m/44'/60'/0'/0/0 … /n-1 of a
// BIP-39 mnemonic (empty passphrase), the way every Ethereum wallet does.
func deriveAccountKeys(mnemonic string, n int) ([][32]byte, error) {
	seed, err := pbkdf2.Key(sha512.New, mnemonic, []byte("mnemonic"), 2048, 64)
	if err != nil {
		return nil, fmt.Errorf("stretch mnemonic: %w", err)
	}
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	sum := mac.Sum(nil)
	key, chain := new(big.Int).SetBytes(sum[:32]), sum[32:]
	if key.Sign() == 0 || key.Cmp(crypto.S256().Params().N) >= 0 {
		return nil, errors.New("derive master key: invalid key")
	}
	for _, i := range ethAccountPath {
		if key, chain, err = deriveChild(key, chain, i); err != nil {
			return nil, err
		}
	}
	// The account level is not hardened, so its derivation needs the parent's
	// public key; compute it once for all children.
	parentPub, err := compressedPub(key)
	if err != nil {
		return nil, err
	}
	keys := make([][32]byte, 0, n)
	for i := range uint32(n) {
		child, _, err := deriveChildWithPub(key, parentPub, chain, i)
		if err != nil {
			return nil, err
		}
		var k [32]byte
		child.FillBytes(k[:])
		keys = append(keys, k)
	}
	return keys, nil
}

// deriveChild is BIP-32 CKDpriv.
func deriveChild(key *big.Int, chain []byte, i uint32) (*big.Int, []byte, error) {
	var pub []byte
	if i < hardened {
		var err error
		if pub, err = compressedPub(key); err != nil {
			return nil, nil, err
		}
	}
	return deriveChildWithPub(key, pub, chain, i)
}

func deriveChildWithPub(key *big.Int, pub, chain []byte, i uint32) (*big.Int, []byte, error) {
	var data []byte
	if i >= hardened {
		data = make([]byte, 33, 37)
		key.FillBytes(data[1:33])
	} else {
		data = append(make([]byte, 0, 37), pub...)
	}
	data = binary.BigEndian.AppendUint32(data, i)
	mac := hmac.New(sha512.New, chain)
	mac.Write(data)
	sum := mac.Sum(nil)
	n := crypto.S256().Params().N
	il := new(big.Int).SetBytes(sum[:32])
	if il.Cmp(n) >= 0 {
		return nil, nil, fmt.Errorf("derive child %d: invalid tweak", i)
	}
	child := il.Add(il, key)
	child.Mod(child, n)
	if child.Sign() == 0 {
		return nil, nil, fmt.Errorf("derive child %d: zero key", i)
	}
	return child, sum[32:], nil
}

func compressedPub(key *big.Int) ([]byte, error) {
	var b [32]byte
	key.FillBytes(b[:])
	priv, err := crypto.ToECDSA(b[:])
	if err != nil {
		return nil, fmt.Errorf("derive public key: %w", err)
	}
	return crypto.CompressPubkey(&priv.PublicKey), nil
}
