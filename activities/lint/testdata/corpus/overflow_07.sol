pragma solidity ^0.7.0;

// SWC-101. A points system compiled with 0.7, where arithmetic still
// wraps: a transfer larger than the balance underflows the sender's and
// an award overflows the receiver's.
contract LoyaltyPoints {
    mapping(address => uint256) public points;
    address public issuer;

    constructor() {
        issuer = msg.sender;
    }

    function award(address to, uint256 amount) external {
        require(msg.sender == issuer, "issuer");
        points[to] += amount; // @expect integer-overflow
    }

    function transfer(address to, uint256 amount) external {
        points[msg.sender] -= amount; // @expect integer-overflow
        points[to] += amount; // @expect integer-overflow
    }
}

contract LoyaltyPointsFixed {
    mapping(address => uint256) public points;
    address public issuer;
    uint256 public totalSupply;
    uint256 public constant CAP = 1e30;

    constructor() {
        issuer = msg.sender;
    }

    function award(address to, uint256 amount) external {
        require(msg.sender == issuer, "issuer");
        require(amount <= CAP - totalSupply, "cap");
        totalSupply += amount;
        points[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        require(points[msg.sender] >= amount, "points");
        points[msg.sender] -= amount;
        points[to] += amount;
    }
}
