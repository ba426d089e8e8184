pragma solidity ^0.4.24;

// SWC-105/SWC-106. A multi-owner wallet library in the style of the
// 2017 library wallets: its initialisers are public and never check that
// the wallet is uninitialised, so anyone can make themselves its only
// owner and then kill it or drain it.
contract SharedWalletLibrary {
    uint256 public required;
    uint256 public ownerCount;
    uint256 public dailyLimit;
    mapping(address => uint256) public ownerIndex;
    address[256] public owners;

    modifier onlyOwner() {
        require(ownerIndex[msg.sender] > 0);
        _;
    }

    function initOwners(address[] _owners, uint256 _required) public { // @expect unprotected-initializer
        ownerCount = _owners.length;
        for (uint256 i = 0; i < _owners.length; ++i) {
            owners[1 + i] = _owners[i];
            ownerIndex[_owners[i]] = 1 + i;
        }
        required = _required;
    }

    function initLimit(uint256 _limit) public { // @expect unprotected-initializer
        dailyLimit = _limit;
    }

    function initWallet(address[] _owners, uint256 _required, uint256 _limit) public { // @expect unprotected-initializer
        initLimit(_limit);
        initOwners(_owners, _required);
    }

    function execute(address to, uint256 value) public onlyOwner {
        require(value <= dailyLimit);
        to.transfer(value);
    }

    function kill(address to) public onlyOwner {
        selfdestruct(to);
    }
}

// The initialisers run once: the first call sets ownerCount.
contract SharedWalletLibraryFixed {
    uint256 public required;
    uint256 public ownerCount;
    uint256 public dailyLimit;
    mapping(address => uint256) public ownerIndex;

    modifier onlyUninitialized() {
        require(ownerCount == 0);
        _;
    }

    modifier onlyOwner() {
        require(ownerIndex[msg.sender] > 0);
        _;
    }

    function initWallet(address[] _owners, uint256 _required, uint256 _limit) public onlyUninitialized {
        ownerCount = _owners.length;
        for (uint256 i = 0; i < _owners.length; ++i) {
            ownerIndex[_owners[i]] = 1 + i;
        }
        required = _required;
        dailyLimit = _limit;
    }

    function kill(address to) public onlyOwner {
        selfdestruct(to);
    }
}
