pragma solidity ^0.4.24;

// SWC-129. A withdrawal limiter whose counter is meant to grow by one per
// withdrawal: `=+` sets it to one every time, so the limit never binds.
contract DailyLimiter {
    address public owner;
    uint256 public withdrawalsToday;
    uint256 public constant MAX_PER_DAY = 3;
    mapping(address => uint256) public balances;

    constructor() public {
        owner = msg.sender;
    }

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public {
        require(withdrawalsToday < MAX_PER_DAY);
        require(balances[msg.sender] >= amount);
        balances[msg.sender] -= amount;
        withdrawalsToday =+ 1; // @expect assignment-typo
        msg.sender.transfer(amount);
    }

    function newDay() public {
        require(msg.sender == owner);
        withdrawalsToday = 0;
    }
}

// The fixed version counts.
contract DailyLimiterFixed {
    address public owner;
    uint256 public withdrawalsToday;
    uint256 public constant MAX_PER_DAY = 3;
    mapping(address => uint256) public balances;

    constructor() public {
        owner = msg.sender;
    }

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public {
        require(withdrawalsToday < MAX_PER_DAY);
        require(balances[msg.sender] >= amount);
        balances[msg.sender] -= amount;
        withdrawalsToday += 1;
        msg.sender.transfer(amount);
    }

    function newDay() public {
        require(msg.sender == owner);
        withdrawalsToday = 0;
    }
}
