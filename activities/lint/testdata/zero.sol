// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract ZeroVuln {
    address public owner;
    address public treasury;

    constructor() {
        owner = msg.sender;
    }

    function setTreasury(address t) external {
        require(msg.sender == owner, "not owner");
        treasury = t; // expect: missing-zero-check
    }
}

contract ZeroFixed {
    address public owner;
    address public treasury;

    constructor() {
        owner = msg.sender;
    }

    function setTreasury(address t) external {
        require(msg.sender == owner, "not owner");
        require(t != address(0), "zero");
        treasury = t;
    }
}
