// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// An initializer is what sets up ownership, not what is called init.

// `init` stores a value under a key: an ordinary setter, not an
// initializer.
contract Registry {
    mapping(bytes32 => uint256) public config;

    function init(bytes32 key, uint256 value) external {
        config[key] = value;
    }
}

// An init that sets the owner, callable again by anyone.
contract WalletLogic {
    address public owner;
    uint256 public dailyLimit;

    function init(address owner_, uint256 limit) external { // expect: unprotected-initializer:high
        require(owner_ != address(0), "owner");
        owner = owner_;
        dailyLimit = limit;
    }
}

// Not named like one, but it sets the initialized flag and the admin:
// an initializer that never checks its flag.
contract ProxyLogic {
    address public admin;
    bool public initialized;

    function setup(address admin_) external { // expect: unprotected-initializer:high
        require(admin_ != address(0), "admin");
        admin = admin_;
        initialized = true;
    }
}

contract ProxyLogicFixed {
    address public admin;
    bool public initialized;

    function setup(address admin_) external {
        require(!initialized, "initialized");
        require(admin_ != address(0), "admin");
        initialized = true;
        admin = admin_;
    }
}
