// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract AuctionVuln {
    uint256 public deadline;
    uint256 public best;

    constructor(uint256 d) {
        deadline = d;
    }

    modifier open() {
        require(block.timestamp <= deadline, "closed"); // expect: timestamp
        _;
    }

    function rebid(uint256 amount) external open {
        best = amount;
    }

    function bid(uint256 amount) external {
        require(block.timestamp < deadline, "over"); // expect: timestamp
        uint256 t = block.timestamp;
        if (t > deadline - 1 hours) { // expect: timestamp
            best = amount;
        }
    }
}

contract AuctionFixed {
    uint256 public endBlock;
    uint256 public best;
    uint256 public lastBid;

    constructor(uint256 b) {
        endBlock = b;
    }

    modifier open() {
        require(block.number <= endBlock, "closed");
        _;
    }

    function rebid(uint256 amount) external open {
        best = amount;
    }

    function bid(uint256 amount) external {
        require(block.number < endBlock, "over");
        best = amount;
        lastBid = block.timestamp;
    }
}
