// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

contract TransferVuln {
    IToken public immutable token;
    mapping(address => uint256) public deposits;

    constructor(IToken t) {
        token = t;
    }

    function deposit(uint256 amount) external {
        token.transferFrom(msg.sender, address(this), amount); // expect: unchecked-transfer
        deposits[msg.sender] += amount;
    }
}

contract TransferFixed {
    IToken public immutable token;
    mapping(address => uint256) public deposits;

    constructor(IToken t) {
        token = t;
    }

    function deposit(uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount), "transfer failed");
        deposits[msg.sender] += amount;
    }
}
