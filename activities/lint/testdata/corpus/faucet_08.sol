// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-105. A test-network faucet without its rate limit: one caller
// empties it in a loop of transactions.
contract OpenFaucet {
    uint256 public constant DRIP = 0.05 ether;

    receive() external payable {}

    function drip() external { // @expect unprotected-ether-withdrawal
        require(address(this).balance >= DRIP, "dry");
        payable(msg.sender).transfer(DRIP);
    }
}

// A faucet that records each recipient's last drip, and a daily budget.
contract RateLimitedFaucet {
    uint256 public constant DRIP = 0.05 ether;
    uint256 public constant DAILY = 5 ether;
    mapping(address => uint256) public lastDrip;
    uint256 public day;
    uint256 public paidToday;

    receive() external payable {}

    function drip() external {
        require(block.timestamp >= lastDrip[msg.sender] + 1 days, "wait");
        lastDrip[msg.sender] = block.timestamp;
        payable(msg.sender).transfer(DRIP);
    }

    function dripTo(address payable to) external {
        if (block.timestamp / 1 days != day) {
            day = block.timestamp / 1 days;
            paidToday = 0;
        }
        require(paidToday + DRIP <= DAILY, "budget");
        paidToday += DRIP;
        to.transfer(DRIP);
    }
}
