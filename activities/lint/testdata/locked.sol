// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract LockedVuln { // expect: locked-ether
    mapping(address => uint256) public paid;

    function deposit() external payable {
        paid[msg.sender] += msg.value;
    }
}

contract LockedFixed {
    address public immutable owner;
    mapping(address => uint256) public paid;

    constructor() {
        owner = msg.sender;
    }

    function deposit() external payable {
        paid[msg.sender] += msg.value;
    }

    function sweep() external {
        require(msg.sender == owner, "not owner");
        (bool ok, ) = payable(owner).call{value: address(this).balance}("");
        require(ok, "failed");
    }
}
