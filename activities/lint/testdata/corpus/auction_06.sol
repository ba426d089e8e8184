pragma solidity ^0.6.0;

// SWC-113. An auction refunding the previous highest bidder inside bid():
// a bidder contract that reverts on receipt wins by blocking every later
// bid.
contract PushAuction {
    address payable public highestBidder;
    uint256 public highestBid;
    uint256 public endTime;
    address payable public seller;

    constructor(uint256 duration) public {
        seller = msg.sender;
        endTime = block.timestamp + duration;
    }

    function bid() external payable {
        require(block.timestamp < endTime, "ended");
        require(msg.value > highestBid, "low");
        if (highestBidder != address(0)) {
            highestBidder.transfer(highestBid); // @expect dos-revert
        }
        highestBidder = msg.sender;
        highestBid = msg.value;
    }

    function end() external {
        require(block.timestamp >= endTime, "running");
        require(msg.sender == seller, "seller");
        seller.transfer(highestBid);
    }
}

// Pull payments: outbid bidders withdraw their own refunds.
contract PullAuction {
    address payable public highestBidder;
    uint256 public highestBid;
    uint256 public endTime;
    address payable public seller;
    bool public ended;
    mapping(address => uint256) public pendingReturns;

    constructor(uint256 duration) public {
        seller = msg.sender;
        endTime = block.timestamp + duration;
    }

    function bid() external payable {
        require(block.timestamp < endTime, "ended");
        require(msg.value > highestBid, "low");
        if (highestBidder != address(0)) {
            pendingReturns[highestBidder] += highestBid;
        }
        highestBidder = msg.sender;
        highestBid = msg.value;
    }

    function withdraw() external returns (bool) {
        uint256 amount = pendingReturns[msg.sender];
        if (amount > 0) {
            pendingReturns[msg.sender] = 0;
            if (!msg.sender.send(amount)) {
                pendingReturns[msg.sender] = amount;
                return false;
            }
        }
        return true;
    }

    function end() external {
        require(block.timestamp >= endTime && !ended, "running");
        ended = true;
        seller.transfer(highestBid);
    }
}
