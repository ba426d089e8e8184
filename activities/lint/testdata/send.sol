// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract SendVuln {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function pay(address payable to, uint256 amount) external {
        to.transfer(amount); // expect: arbitrary-send-eth
    }

    function payVia(address to, uint256 amount) external {
        address payable dest = payable(to);
        (bool ok, ) = dest.call{value: amount}(""); // expect: arbitrary-send-eth
        require(ok, "failed");
    }
}

contract SendFixed {
    address public owner;
    mapping(address => uint256) public credit;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {
        credit[msg.sender] += msg.value;
    }

    function pay(address payable to, uint256 amount) external {
        require(msg.sender == owner, "not owner");
        to.transfer(amount);
    }

    function withdrawTo(address payable to, uint256 amount) external {
        require(credit[msg.sender] >= amount, "no credit");
        credit[msg.sender] -= amount;
        to.transfer(amount);
    }
}
