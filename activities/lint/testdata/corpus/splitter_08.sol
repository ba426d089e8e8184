// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// No HIGH or MEDIUM finding expected: payouts anyone may trigger but that
// only ever pay an account its own recorded credit, and a one-time
// bounty per id.
contract RoyaltyPool {
    address public manager;
    mapping(address => uint256) public credits;
    mapping(uint256 => bool) public bountyPaid;
    mapping(uint256 => address) public bountyHunter;

    constructor() {
        manager = msg.sender;
    }

    function credit(address account) external payable {
        credits[account] += msg.value;
    }

    // Keepers push payments on behalf of accounts: the credit is cleared
    // and goes to its owner.
    function withdrawFor(address payable account) external {
        uint256 amount = credits[account];
        require(amount > 0, "nothing");
        credits[account] = 0;
        (bool ok, ) = account.call{value: amount}("");
        require(ok, "send");
    }

    function assignBounty(uint256 id, address hunter) external payable {
        require(msg.sender == manager, "manager");
        bountyHunter[id] = hunter;
    }

    function payBounty(uint256 id) external {
        require(!bountyPaid[id], "paid");
        bountyPaid[id] = true;
        payable(bountyHunter[id]).transfer(1 ether);
    }
}
