// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-105. A DAO treasury whose payout function lost its modifier in a
// refactor: anyone sends its ether anywhere.
contract GrantTreasury {
    address public council;
    mapping(address => bool) public isGrantee;

    event Paid(address to, uint256 amount);

    constructor() payable {
        council = msg.sender;
    }

    modifier onlyCouncil() {
        require(msg.sender == council, "council");
        _;
    }

    function addGrantee(address g) external onlyCouncil {
        isGrantee[g] = true;
    }

    function payGrant(address payable to, uint256 amount) external {
        require(amount <= address(this).balance, "funds");
        (bool ok, ) = to.call{value: amount}(""); // @expect arbitrary-send-eth
        require(ok, "send");
        emit Paid(to, amount);
    }

    receive() external payable {}
}

contract GrantTreasuryFixed {
    address public council;
    mapping(address => bool) public isGrantee;
    mapping(address => uint256) public granted;

    event Paid(address to, uint256 amount);

    constructor() payable {
        council = msg.sender;
    }

    modifier onlyCouncil() {
        require(msg.sender == council, "council");
        _;
    }

    function addGrant(address g, uint256 amount) external onlyCouncil {
        isGrantee[g] = true;
        granted[g] += amount;
    }

    function payGrant(address payable to, uint256 amount) external onlyCouncil {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send");
        emit Paid(to, amount);
    }

    // Grantees pull their own grant, which is cleared first.
    function claimGrant() external {
        require(isGrantee[msg.sender], "grantee");
        uint256 amount = granted[msg.sender];
        granted[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        require(ok, "send");
    }

    receive() external payable {}
}
