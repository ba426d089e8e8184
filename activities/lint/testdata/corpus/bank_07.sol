pragma solidity ^0.7.0;

// SWC-107. A pooled bank with a shared accounting helper: the payout goes
// through an internal function that calls the recipient before the
// balance is cleared.
contract PoolBank {
    mapping(address => uint256) public balances;
    uint256 public totalDeposits;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        totalDeposits += msg.value;
    }

    function withdrawAll() external {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "empty");
        _send(msg.sender, amount); // @expect reentrancy-eth
        balances[msg.sender] = 0;
        totalDeposits -= amount;
    }

    function _send(address to, uint256 amount) internal {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send");
    }
}

abstract contract ReentrancyGuard {
    uint256 private constant NOT_ENTERED = 1;
    uint256 private constant ENTERED = 2;
    uint256 private status = NOT_ENTERED;

    modifier nonReentrant() {
        require(status != ENTERED, "reentrant");
        status = ENTERED;
        _;
        status = NOT_ENTERED;
    }
}

contract PoolBankGuarded is ReentrancyGuard {
    mapping(address => uint256) public balances;
    uint256 public totalDeposits;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        totalDeposits += msg.value;
    }

    function withdrawAll() external nonReentrant {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "empty");
        _send(msg.sender, amount);
        balances[msg.sender] = 0;
        totalDeposits -= amount;
    }

    function _send(address to, uint256 amount) internal {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send");
    }
}

contract PoolBankOrdered {
    mapping(address => uint256) public balances;
    uint256 public totalDeposits;
    uint256 public withdrawals;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
        totalDeposits += msg.value;
    }

    // Only a counter nobody reads before the call is written after it.
    function withdrawAll() external {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "empty");
        balances[msg.sender] = 0;
        totalDeposits -= amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send");
        withdrawals += 1;
    }
}
