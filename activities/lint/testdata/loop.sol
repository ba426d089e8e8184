// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract AirdropVuln {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function airdrop(address payable[] calldata to) external {
        require(msg.sender == owner, "not owner");
        for (uint256 i = 0; i < to.length; i++) {
            to[i].transfer(1 gwei); // expect: calls-loop
        }
    }
}

contract AirdropFixed {
    address public immutable owner;
    mapping(address => uint256) public credit;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function airdrop(address[] calldata to) external {
        require(msg.sender == owner, "not owner");
        for (uint256 i = 0; i < to.length; i++) {
            credit[to[i]] += 1 gwei;
        }
    }

    function claim() external {
        uint256 c = credit[msg.sender];
        credit[msg.sender] = 0;
        payable(msg.sender).transfer(c);
    }
}
