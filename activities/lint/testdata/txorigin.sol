// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract TxOriginVuln {
    address public owner;
    uint256 public value;

    constructor() {
        owner = msg.sender;
    }

    function set(uint256 v) external {
        require(tx.origin == owner, "not owner"); // expect: tx-origin
        value = v;
    }

    modifier onlyEOA() {
        require(tx.origin == msg.sender, "no contracts");
        _;
    }

    function poke() external onlyEOA {
        value += 1;
    }
}

contract TxOriginFixed {
    address public owner;
    uint256 public value;

    constructor() {
        owner = msg.sender;
    }

    function set(uint256 v) external {
        require(msg.sender == owner, "not owner");
        value = v;
    }
}
