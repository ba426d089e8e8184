pragma solidity ^0.4.24;

// SWC-107. A savings vault with a weekly withdrawal limit: the shape of the
// reentrancy examples of audit write-ups, where the balance is paid with
// call.value before it is decreased, so a contract receiving the payment
// calls withdraw again while its balance is unchanged.
contract WeeklyVault {
    uint256 public limit = 1 ether;
    mapping(address => uint256) public lastWithdrawal;
    mapping(address => uint256) public balances;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public {
        require(balances[msg.sender] >= amount);
        require(amount <= limit);
        require(now >= lastWithdrawal[msg.sender] + 1 weeks);
        require(msg.sender.call.value(amount)()); // @expect reentrancy-eth
        balances[msg.sender] -= amount;
        lastWithdrawal[msg.sender] = now;
    }
}

// Checks, effects, then the interaction.
contract WeeklyVaultFixed {
    uint256 public limit = 1 ether;
    mapping(address => uint256) public lastWithdrawal;
    mapping(address => uint256) public balances;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public {
        require(balances[msg.sender] >= amount);
        require(amount <= limit);
        require(now >= lastWithdrawal[msg.sender] + 1 weeks);
        balances[msg.sender] -= amount;
        lastWithdrawal[msg.sender] = now;
        require(msg.sender.call.value(amount)());
    }
}

// The original order, behind a mutex.
contract WeeklyVaultMutex {
    bool private busy;
    mapping(address => uint256) public balances;

    modifier exclusive() {
        require(!busy);
        busy = true;
        _;
        busy = false;
    }

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public exclusive {
        require(balances[msg.sender] >= amount);
        require(msg.sender.call.value(amount)());
        balances[msg.sender] -= amount;
    }
}
