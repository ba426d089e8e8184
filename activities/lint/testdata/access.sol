// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract AccessVuln {
    address public owner;
    address public admin;
    bool public ready;

    constructor() {
        owner = msg.sender;
    }

    function setOwner(address newOwner) external { // expect: missing-access-control:high
        require(newOwner != address(0), "zero");
        owner = newOwner;
    }

    function initialize(address admin_) external { // expect: unprotected-initializer:high
        require(admin_ != address(0), "zero");
        admin = admin_;
        ready = true;
    }
}

contract AccessFixed {
    address public owner;
    address public admin;
    bool public initialized;

    constructor() {
        owner = msg.sender;
    }

    function setOwner(address newOwner) external {
        require(msg.sender == owner, "not owner");
        require(newOwner != address(0), "zero");
        owner = newOwner;
    }

    function initialize(address admin_) external {
        require(!initialized, "initialized");
        require(admin_ != address(0), "zero");
        initialized = true;
        admin = admin_;
    }
}
