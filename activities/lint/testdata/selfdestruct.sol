// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract KillVuln {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function kill() external { // expect: unprotected-selfdestruct:high
        selfdestruct(payable(msg.sender));
    }
}

contract KillFixed {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function kill() external {
        require(msg.sender == owner, "not owner");
        selfdestruct(payable(owner));
    }
}
