// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-106. A game contract whose cleanup can be triggered by anyone once
// the game is over (and the balance goes to the caller).
contract GameRound {
    address public host;
    bool public over;
    mapping(address => uint256) public stakes;

    constructor() {
        host = msg.sender;
    }

    function join() external payable {
        require(!over, "over");
        stakes[msg.sender] += msg.value;
    }

    function finish() external {
        require(msg.sender == host, "host");
        over = true;
    }

    function cleanup() external { // @expect unprotected-selfdestruct
        require(over, "running");
        selfdestruct(payable(msg.sender));
    }
}

contract GameRoundFixed {
    address public host;
    bool public over;
    mapping(address => uint256) public stakes;

    constructor() {
        host = msg.sender;
    }

    modifier onlyHost() {
        require(msg.sender == host, "host");
        _;
    }

    function join() external payable {
        require(!over, "over");
        stakes[msg.sender] += msg.value;
    }

    function finish() external onlyHost {
        over = true;
    }

    function cleanup() external onlyHost {
        require(over, "running");
        selfdestruct(payable(host));
    }
}
