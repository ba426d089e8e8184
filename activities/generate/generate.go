// Package generate renders OpenZeppelin Contracts 5 token contracts from a
// ContractTemplate, with the options and meanings of the OpenZeppelin
// Contracts Wizard, as the first stage of a deployment and for the generate
// RPC.
//
// Generation is pure and deterministic: the same template always gives the
// same bytes, so workflows may call it directly and replays stay stable.
//
// The template's name is the token's display name, as in the Wizard ("Bar
// Token"): ERC20 and ERC721 use it verbatim in a string literal, and the
// contract identifier is derived from it by the Wizard's toIdentifier
// (ident.go), "BarToken".
//
// Option rules (decided here where the Wizard is silent or a UI-only rule):
//   - Unset options take the Wizard's defaults: false, except ERC20 permit
//     and ERC1155 updatableUri, which are true (both optional in the proto,
//     so an explicit false is honoured).
//   - Options that do not belong to the template's kind are refused when set
//     to true or a non-empty string (for example permit on ERC721), so that a
//     typo or a wrong kind never yields a contract that silently lacks a
//     requested feature; an explicit false is accepted on any kind.
//   - ERC20 votes without permit gets its EIP-712 domain from EIP712, as in
//     the Wizard.
//   - ERC721 incremental requires mintable (ids are only assigned by
//     safeMint); it is refused without it.
//   - A premint or cap of zero is the same as none; a cap below the premint is
//     refused; with votes, a premint above ERC20Votes' maximum supply
//     (2^208-1 base units) is refused because the deployment would revert.
//   - The symbol is validated for every kind but unused by ERC1155.
//   - Access control is added when a function needs it (mint, pause, setURI,
//     and _authorizeUpgrade with upgradeable "uups") or when options.access
//     is set explicitly; "ownable" is the default.
//
// Upgradeable contracts (options.upgradeable "uups" or "transparent") are
// what the Wizard prints for the same options with Upgradeability set:
//   - Every base comes from @openzeppelin/contracts-upgradeable as its
//     Upgradeable variant (ERC20 -> ERC20Upgradeable, in the inheritance
//     list, the imports and the override lists), and Initializable is the
//     first base. Initializable and, for "uups", UUPSUpgradeable (the last
//     base) are imported from @openzeppelin/contracts, as the Wizard does
//     since Contracts 5.5: they hold no state. The header names Contracts
//     ^5.5.0 (OpenZeppelinUpgradeableVersion), the first release whose
//     upgradeable bases share that Initializable.
//   - The constructor takes no parameters and only disables initializers
//     (with the `@custom:oz-upgrades-unsafe-allow constructor` annotation);
//     `function initialize(...) public initializer` takes the parameters the
//     plain constructor would take (Result.ConstructorParams), calls each
//     upgradeable base's __X_init with the arguments the plain constructor
//     gives the base, then runs the plain constructor's statements (premint,
//     role grants).
//   - "uups" adds `_authorizeUpgrade(address newImplementation) internal
//     override` restricted like the other functions: onlyOwner, restricted
//     (managed) or onlyRole(UPGRADER_ROLE) granted to an `upgrader`
//     parameter (roles). It always needs access control, so an unset access
//     becomes "ownable", as in the Wizard.
//   - "transparent" adds nothing to the contract, but its proxy's ProxyAdmin
//     needs an owner: the initializer's initialOwner, defaultAdmin or
//     initialAuthority argument (Result.AdminArg). A transparent contract
//     without access control (no function needing it and options.access
//     unset) is refused; set options.access.
//   - ERC721 incremental keeps its token id counter in ERC-7201 namespaced
//     storage, as the Wizard does (a struct <Contract>Storage at the slot of
//     namespace id "myProject.<Contract>", the Wizard's default namespace
//     prefix), since an upgradeable contract declares no state variables.
//     A contract identifier whose <Contract>Storage would be one of
//     OpenZeppelin's own storage structs (Ownable, ERC721Enumerable, ...) is
//     refused there.
//
// Constructor parameters (for an upgradeable contract, the initializer's
// parameters; its constructor has none), in this order, each only when used:
//
//	recipient         address  ERC20 premint receiver
//	initialOwner      address  access "ownable"
//	defaultAdmin      address  access "roles": DEFAULT_ADMIN_ROLE
//	uriSetter         address  access "roles": URI_SETTER_ROLE (ERC1155 updatableUri)
//	pauser            address  access "roles": PAUSER_ROLE (pausable)
//	minter            address  access "roles": MINTER_ROLE (mintable)
//	upgrader          address  access "roles": UPGRADER_ROLE (upgradeable "uups")
//	initialAuthority  address  access "managed": the AccessManager
package generate

import (
	"fmt"
	"slices"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// CompilerVersion is the solc release the generated sources are tested with
// (npm solc in package.json); deployments compile generated sources with it.
const CompilerVersion = "0.8.37"

// Pragma is the version range written into every generated source: the
// lowest solc that the used OpenZeppelin 5 files accept, and pinned to 0.8.x.
const Pragma = "^0.8.27"

// OpenZeppelinVersion is the library range named in the header comment, as
// the Wizard writes it.
const OpenZeppelinVersion = "^5.0.0"

// OpenZeppelinUpgradeableVersion is the range named in the header of an
// upgradeable contract: Initializable and UUPSUpgradeable come from
// @openzeppelin/contracts, which Contracts Upgradeable's own bases import
// too only since 5.5.0 (before, each package had its own Initializable, and
// a contract inheriting both does not compile).
const OpenZeppelinUpgradeableVersion = "^5.5.0"

// Access modes of options.access.
const (
	AccessOwnable = "ownable"
	AccessRoles   = "roles"
	AccessManaged = "managed"
)

// Upgradeability of options.upgradeable ("" is a plain contract).
const (
	UpgradeableUUPS        = "uups"
	UpgradeableTransparent = "transparent"
)

// Initializer is the initializer function of an upgradeable contract.
const Initializer = "initialize"

// Param is one constructor parameter of a generated contract (or of its
// initializer, when upgradeable); the deploy form renders inputs from them
// and the deploy RPC checks constructorArgs against them.
type Param struct {
	Name string
	Type string
}

// Result is a generated contract, ready for lint and compile.
type Result struct {
	// Source is the whole Solidity file.
	Source string
	// ContractName is the contract to compile and deploy from Source.
	ContractName string
	// CompilerVersion is the solc version to compile Source with.
	CompilerVersion string
	// ConstructorParams are the constructor's parameters in order; for an
	// upgradeable contract, the parameters of its Initializer (the
	// constructor of the implementation takes none).
	ConstructorParams []Param
	// Upgradeable is options.upgradeable: UpgradeableUUPS,
	// UpgradeableTransparent, or "" for a plain contract.
	Upgradeable string `json:",omitempty"`
	// Initializer is the function a proxy's creation calls with the
	// arguments for ConstructorParams ("initialize"); "" for a plain
	// contract.
	Initializer string `json:",omitempty"`
	// AdminArg is the index in ConstructorParams of the access control's
	// owner (initialOwner, defaultAdmin or initialAuthority), which owns a
	// transparent proxy's ProxyAdmin; -1 when the contract has no access
	// control (never for an upgradeable one). Results recorded before the
	// field existed decode as 0; they are all plain contracts.
	AdminArg int `json:",omitempty"`
}

// Generate renders the template. Invalid input gives an error wrapping
// ErrInvalidTemplate (as a *TemplateError).
func Generate(t *slipwayv1.ContractTemplate) (Result, error) {
	if t == nil {
		return Result{}, invalid("template", "is required")
	}
	ident, err := checkName(t.GetName())
	if err != nil {
		return Result{}, err
	}
	if err := checkSymbol(t.GetSymbol()); err != nil {
		return Result{}, err
	}
	o := t.GetOptions() // nil-safe getters: a nil options message is all defaults
	mode := o.GetAccess()
	switch mode {
	case "", AccessOwnable, AccessRoles, AccessManaged:
	default:
		return Result{}, invalid("options.access", "must be %q, %q or %q", AccessOwnable, AccessRoles, AccessManaged)
	}
	upgradeable := o.GetUpgradeable()
	switch upgradeable {
	case "", UpgradeableUUPS, UpgradeableTransparent:
	default:
		return Result{}, invalid("options.upgradeable", "must be %q, %q or empty for a contract that is not upgradeable", UpgradeableUUPS, UpgradeableTransparent)
	}

	c := &contract{name: ident, display: stringLiteral(t.GetName()), imports: map[string]string{}, upgradeable: upgradeable != ""}
	if c.upgradeable {
		c.addParent("Initializable", "proxy/utils/Initializable.sol") // the first base, as in the Wizard
	}
	a := &access{mode: mode, c: c}
	switch t.GetKind() {
	case slipwayv1.ContractKind_ERC20:
		err = buildERC20(c, a, t)
	case slipwayv1.ContractKind_ERC721:
		err = buildERC721(c, a, t)
	case slipwayv1.ContractKind_ERC1155:
		err = buildERC1155(c, a, t)
	default:
		err = invalid("kind", "must be ERC20, ERC721 or ERC1155")
	}
	if err != nil {
		return Result{}, err
	}
	if upgradeable == UpgradeableUUPS {
		uups(c, a)
	}
	a.finish()
	adminArg := a.ownerParam()
	if upgradeable == UpgradeableTransparent && adminArg < 0 {
		return Result{}, invalid("options.upgradeable", "%q needs access control: the ProxyAdmin of a transparent proxy is owned by the initializer's owner or admin; set options.access to %q, %q or %q",
			UpgradeableTransparent, AccessOwnable, AccessRoles, AccessManaged)
	}

	src := c.render()
	if n := countIdent(src, c.name); n != 1 {
		return Result{}, invalid("name", "gives the contract identifier %q, which collides with an identifier the generated contract uses; choose another name", c.name)
	}
	res := Result{
		Source:            src,
		ContractName:      c.name,
		CompilerVersion:   CompilerVersion,
		ConstructorParams: append([]Param(nil), c.params...),
		Upgradeable:       upgradeable,
		AdminArg:          adminArg,
	}
	if upgradeable != "" {
		res.Initializer = Initializer
	}
	return res, nil
}

// uups makes the contract UUPSUpgradeable, its upgrades authorized by the
// access control as in the Wizard: the access base goes where the features
// put it, or (when none needed it) after them, and UUPSUpgradeable last.
func uups(c *contract, a *access) {
	mod := a.modifier("UPGRADER_ROLE")
	if !a.added {
		a.parent()
	}
	c.addParent("UUPSUpgradeable", "proxy/utils/UUPSUpgradeable.sol")
	c.functions = append(c.functions, function{
		name: "_authorizeUpgrade", params: []string{"address newImplementation"}, visibility: "internal",
		override: []string{}, modifiers: []string{mod},
	})
}

// refuse reports options set on a kind they do not belong to.
func refuse(kind string, set map[string]bool) error {
	for _, f := range []string{"premint", "mintable", "burnable", "pausable", "permit", "votes", "flashmint", "capped", "baseUri", "enumerable", "uriStorage", "incremental", "uri", "supply", "updatableUri"} {
		if set[f] {
			return invalid("options."+f, "does not apply to %s", kind)
		}
	}
	return nil
}

// quote makes a Solidity string literal of a value already restricted to
// characters that need no escaping (identifiers, symbols, checked URIs).
func quote(s string) string { return `"` + s + `"` }

// access accumulates what the chosen access control needs while the kind's
// features are added, then adds the parent, roles and constructor parameters
// in the documented order.
type access struct {
	mode  string
	c     *contract
	roles map[string]bool // URI_SETTER_ROLE, PAUSER_ROLE, MINTER_ROLE, UPGRADER_ROLE
	added bool
}

// roleParams lists roles in constructor-parameter order.
var roleParams = []struct{ role, param string }{
	{"URI_SETTER_ROLE", "uriSetter"},
	{"PAUSER_ROLE", "pauser"},
	{"MINTER_ROLE", "minter"},
	{"UPGRADER_ROLE", "upgrader"},
}

// modifier returns the modifier restricting a function to role, choosing
// Ownable when no mode was requested.
func (a *access) modifier(role string) string {
	if a.mode == "" {
		a.mode = AccessOwnable
	}
	switch a.mode {
	case AccessRoles:
		if a.roles == nil {
			a.roles = map[string]bool{}
		}
		a.roles[role] = true
		return "onlyRole(" + role + ")"
	case AccessManaged:
		return "restricted"
	default:
		return "onlyOwner"
	}
}

// parent adds the access base at this point of the inheritance list. Called
// after the features are known (modes are fixed by then) so that the base
// sits where the Wizard puts it.
func (a *access) parent() {
	switch a.mode {
	case AccessOwnable:
		a.c.addParent("Ownable", "access/Ownable.sol", "initialOwner")
	case AccessRoles:
		a.c.addParent("AccessControl", "access/AccessControl.sol")
	case AccessManaged:
		a.c.addParent("AccessManaged", "access/manager/AccessManaged.sol", "initialAuthority")
	default:
		return
	}
	a.added = true
}

func (a *access) finish() {
	if !a.added {
		return
	}
	switch a.mode {
	case AccessOwnable:
		a.c.addParam("initialOwner", "address")
	case AccessManaged:
		a.c.addParam("initialAuthority", "address")
	case AccessRoles:
		a.c.addParam("defaultAdmin", "address")
		a.c.ctorBody = append(a.c.ctorBody, "_grantRole(DEFAULT_ADMIN_ROLE, defaultAdmin);")
		var consts []string
		for _, r := range roleParams {
			if !a.roles[r.role] {
				continue
			}
			consts = append(consts, fmt.Sprintf("bytes32 public constant %s = keccak256(%q);", r.role, r.role))
			a.c.addParam(r.param, "address")
			a.c.ctorBody = append(a.c.ctorBody, fmt.Sprintf("_grantRole(%s, %s);", r.role, r.param))
		}
		// Constants come before state variables, as in the Wizard.
		a.c.vars = append(consts, a.c.vars...)
	}
}

// ownerParam is the index of the access control's owner parameter, or -1
// without access control.
func (a *access) ownerParam() int {
	if !a.added {
		return -1
	}
	name := map[string]string{AccessOwnable: "initialOwner", AccessRoles: "defaultAdmin", AccessManaged: "initialAuthority"}[a.mode]
	return slices.IndexFunc(a.c.params, func(p Param) bool { return p.Name == name })
}

// pausable adds pause and unpause for the kind's Pausable extension.
func pausable(c *contract, a *access) {
	mod := a.modifier("PAUSER_ROLE")
	c.functions = append(c.functions,
		function{name: "pause", visibility: "public", modifiers: []string{mod}, body: []string{"_pause();"}},
		function{name: "unpause", visibility: "public", modifiers: []string{mod}, body: []string{"_unpause();"}},
	)
}

func buildERC20(c *contract, a *access, t *slipwayv1.ContractTemplate) error {
	o := t.GetOptions()
	if err := refuse("ERC20", map[string]bool{
		"baseUri": o.GetBaseUri() != "", "enumerable": o.GetEnumerable(), "uriStorage": o.GetUriStorage(),
		"incremental": o.GetIncremental(), "uri": o.GetUri() != "", "supply": o.GetSupply(), "updatableUri": o.GetUpdatableUri(),
	}); err != nil {
		return err
	}
	premint, err := parseAmount("options.premint", o.GetPremint())
	if err != nil {
		return err
	}
	capAmt, err := parseAmount("options.capped", o.GetCapped())
	if err != nil {
		return err
	}
	capped := o.GetCapped() != ""
	if capped && capAmt.isZero() {
		return invalid("options.capped", "must be greater than zero (leave it empty for an uncapped supply)")
	}
	if capped && premint.scaled != nil && premint.scaled.Cmp(capAmt.scaled) > 0 {
		return invalid("options.premint", "exceeds the cap (options.capped)")
	}
	votes := o.GetVotes()
	if votes && premint.scaled != nil && premint.scaled.Cmp(maxUint208) > 0 {
		return invalid("options.premint", "exceeds the maximum supply of ERC20Votes (2^208-1 base units)")
	}
	permit := o == nil || o.Permit == nil || *o.Permit // unset: the Wizard's default, true

	name := c.display
	c.addParent("ERC20", "token/ERC20/ERC20.sol", name, quote(t.GetSymbol()))
	if o.GetBurnable() {
		c.addParent("ERC20Burnable", "token/ERC20/extensions/ERC20Burnable.sol")
	}
	if o.GetPausable() {
		c.addParent("ERC20Pausable", "token/ERC20/extensions/ERC20Pausable.sol")
		pausable(c, a)
	}
	// Features that need access fix the mode before the base is placed.
	var mintMod string
	if o.GetMintable() {
		mintMod = a.modifier("MINTER_ROLE")
	}
	a.parent()
	if permit {
		c.addParent("ERC20Permit", "token/ERC20/extensions/ERC20Permit.sol", name)
	} else if votes {
		// ERC20Permit would initialize the EIP-712 domain ERC20Votes needs.
		c.addParent("EIP712", "utils/cryptography/EIP712.sol", name, `"1"`)
	}
	if votes {
		c.addParent("ERC20Votes", "token/ERC20/extensions/ERC20Votes.sol")
	}
	if o.GetFlashmint() {
		c.addParent("ERC20FlashMint", "token/ERC20/extensions/ERC20FlashMint.sol")
	}
	if capped {
		c.addParent("ERC20Capped", "token/ERC20/extensions/ERC20Capped.sol", capAmt.expr())
	}
	if !premint.isZero() {
		c.addParam("recipient", "address")
		c.ctorBody = append(c.ctorBody, "_mint(recipient, "+premint.expr()+");")
	}
	if o.GetMintable() {
		c.functions = append(c.functions, function{
			name: "mint", params: []string{"address to", "uint256 amount"}, visibility: "public",
			modifiers: []string{mintMod}, body: []string{"_mint(to, amount);"},
		})
	}

	update := []string{"ERC20"}
	for _, b := range []string{"ERC20Pausable", "ERC20Votes", "ERC20Capped"} {
		if c.hasParent(b) {
			update = append(update, b)
		}
	}
	c.overrideFn(function{
		name: "_update", params: []string{"address from", "address to", "uint256 value"}, visibility: "internal",
		body: []string{"super._update(from, to, value);"},
	}, update)
	if permit && votes {
		c.imports["Nonces"] = "utils/Nonces.sol"
		c.overrideFn(function{
			name: "nonces", params: []string{"address owner"}, visibility: "public", mutability: "view",
			returns: "uint256", body: []string{"return super.nonces(owner);"},
		}, []string{"ERC20Permit", "Nonces"})
	}
	return nil
}

func buildERC721(c *contract, a *access, t *slipwayv1.ContractTemplate) error {
	o := t.GetOptions()
	if err := refuse("ERC721", map[string]bool{
		"premint": o.GetPremint() != "", "permit": o.GetPermit(), "flashmint": o.GetFlashmint(), "capped": o.GetCapped() != "",
		"uri": o.GetUri() != "", "supply": o.GetSupply(), "updatableUri": o.GetUpdatableUri(),
	}); err != nil {
		return err
	}
	if err := checkURI("options.baseUri", o.GetBaseUri()); err != nil {
		return err
	}
	if o.GetIncremental() && !o.GetMintable() {
		return invalid("options.incremental", "requires mintable: token ids are assigned by safeMint")
	}
	c.addParent("ERC721", "token/ERC721/ERC721.sol", c.display, quote(t.GetSymbol()))
	if o.GetEnumerable() {
		c.addParent("ERC721Enumerable", "token/ERC721/extensions/ERC721Enumerable.sol")
	}
	if o.GetUriStorage() {
		c.addParent("ERC721URIStorage", "token/ERC721/extensions/ERC721URIStorage.sol")
	}
	if o.GetBaseUri() != "" {
		c.functions = append(c.functions, function{
			name: "_baseURI", visibility: "internal", mutability: "pure", override: []string{},
			returns: "string memory", body: []string{"return " + quote(o.GetBaseUri()) + ";"},
		})
	}
	if o.GetPausable() {
		c.addParent("ERC721Pausable", "token/ERC721/extensions/ERC721Pausable.sol")
		pausable(c, a)
	}
	var mintMod string
	if o.GetMintable() {
		mintMod = a.modifier("MINTER_ROLE")
	}
	a.parent()
	if o.GetBurnable() {
		c.addParent("ERC721Burnable", "token/ERC721/extensions/ERC721Burnable.sol")
	}
	if o.GetVotes() {
		c.addParent("EIP712", "utils/cryptography/EIP712.sol", c.display, `"1"`)
		c.addParent("ERC721Votes", "token/ERC721/extensions/ERC721Votes.sol")
	}
	if o.GetMintable() {
		f := function{name: "safeMint", params: []string{"address to"}, visibility: "public", modifiers: []string{mintMod}}
		if o.GetIncremental() && c.upgradeable {
			load, err := c.namespacedStorage("uint256 _nextTokenId;")
			if err != nil {
				return err
			}
			f.returns = "uint256"
			f.body = append(f.body, load, "uint256 tokenId = $._nextTokenId++;")
		} else if o.GetIncremental() {
			c.vars = append(c.vars, "uint256 private _nextTokenId;")
			f.returns = "uint256"
			f.body = append(f.body, "uint256 tokenId = _nextTokenId++;")
		} else {
			f.params = append(f.params, "uint256 tokenId")
		}
		f.body = append(f.body, "_safeMint(to, tokenId);")
		if o.GetUriStorage() {
			f.params = append(f.params, "string memory uri")
			f.body = append(f.body, "_setTokenURI(tokenId, uri);")
		}
		if o.GetIncremental() {
			f.body = append(f.body, "return tokenId;")
		}
		c.functions = append(c.functions, f)
		if len(c.storage) > 0 {
			c.functions = append(c.functions, c.storageGetter())
		}
	}

	with := func(base string, exts ...string) []string {
		out := []string{base}
		for _, e := range exts {
			if c.hasParent(e) {
				out = append(out, e)
			}
		}
		return out
	}
	c.overrideFn(function{
		name: "_update", params: []string{"address to", "uint256 tokenId", "address auth"}, visibility: "internal",
		returns: "address", body: []string{"return super._update(to, tokenId, auth);"},
	}, with("ERC721", "ERC721Enumerable", "ERC721Pausable", "ERC721Votes"))
	c.overrideFn(function{
		name: "_increaseBalance", params: []string{"address account", "uint128 value"}, visibility: "internal",
		body: []string{"super._increaseBalance(account, value);"},
	}, with("ERC721", "ERC721Enumerable", "ERC721Votes"))
	c.overrideFn(function{
		name: "tokenURI", params: []string{"uint256 tokenId"}, visibility: "public", mutability: "view",
		returns: "string memory", body: []string{"return super.tokenURI(tokenId);"},
	}, with("ERC721", "ERC721URIStorage"))
	c.overrideFn(function{
		name: "supportsInterface", params: []string{"bytes4 interfaceId"}, visibility: "public", mutability: "view",
		returns: "bool", body: []string{"return super.supportsInterface(interfaceId);"},
	}, with("ERC721", "ERC721Enumerable", "ERC721URIStorage", "AccessControl"))
	return nil
}

func buildERC1155(c *contract, a *access, t *slipwayv1.ContractTemplate) error {
	o := t.GetOptions()
	if err := refuse("ERC1155", map[string]bool{
		"premint": o.GetPremint() != "", "permit": o.GetPermit(), "votes": o.GetVotes(), "flashmint": o.GetFlashmint(),
		"capped": o.GetCapped() != "", "baseUri": o.GetBaseUri() != "", "enumerable": o.GetEnumerable(),
		"uriStorage": o.GetUriStorage(), "incremental": o.GetIncremental(),
	}); err != nil {
		return err
	}
	if err := checkURI("options.uri", o.GetUri()); err != nil {
		return err
	}
	c.addParent("ERC1155", "token/ERC1155/ERC1155.sol", quote(o.GetUri()))
	if o == nil || o.UpdatableUri == nil || *o.UpdatableUri { // unset: the Wizard's default, true
		c.functions = append(c.functions, function{
			name: "setURI", params: []string{"string memory newuri"}, visibility: "public",
			modifiers: []string{a.modifier("URI_SETTER_ROLE")}, body: []string{"_setURI(newuri);"},
		})
	}
	if o.GetPausable() {
		pausable(c, a)
	}
	var mintMod string
	if o.GetMintable() {
		mintMod = a.modifier("MINTER_ROLE")
	}
	a.parent()
	if o.GetPausable() {
		c.addParent("ERC1155Pausable", "token/ERC1155/extensions/ERC1155Pausable.sol")
	}
	if o.GetBurnable() {
		c.addParent("ERC1155Burnable", "token/ERC1155/extensions/ERC1155Burnable.sol")
	}
	if o.GetSupply() {
		c.addParent("ERC1155Supply", "token/ERC1155/extensions/ERC1155Supply.sol")
	}
	if o.GetMintable() {
		c.functions = append(c.functions,
			function{
				name: "mint", params: []string{"address account", "uint256 id", "uint256 amount", "bytes memory data"},
				visibility: "public", modifiers: []string{mintMod}, body: []string{"_mint(account, id, amount, data);"},
			},
			function{
				name: "mintBatch", params: []string{"address to", "uint256[] memory ids", "uint256[] memory amounts", "bytes memory data"},
				visibility: "public", modifiers: []string{mintMod}, body: []string{"_mintBatch(to, ids, amounts, data);"},
			})
	}
	update := []string{"ERC1155"}
	for _, b := range []string{"ERC1155Pausable", "ERC1155Supply"} {
		if c.hasParent(b) {
			update = append(update, b)
		}
	}
	c.overrideFn(function{
		name: "_update", params: []string{"address from", "address to", "uint256[] memory ids", "uint256[] memory values"},
		visibility: "internal", body: []string{"super._update(from, to, ids, values);"},
	}, update)
	supports := []string{"ERC1155"}
	if c.hasParent("AccessControl") {
		supports = append(supports, "AccessControl")
	}
	c.overrideFn(function{
		name: "supportsInterface", params: []string{"bytes4 interfaceId"}, visibility: "public", mutability: "view",
		returns: "bool", body: []string{"return super.supportsInterface(interfaceId);"},
	}, supports)
	return nil
}
