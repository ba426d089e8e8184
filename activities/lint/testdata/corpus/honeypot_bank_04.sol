pragma solidity ^0.4.24;

// SWC-107. The "personal bank" shape common among honeypots and real
// deposit contracts of 2017-2018: deposits logged to a separate contract,
// collection through call.value inside the if that decreases the balance.
contract TransferLog {
    struct Entry { address sender; string kind; uint256 amount; uint256 time; }
    Entry[] public history;

    function addEntry(address sender, uint256 amount, string kind) public {
        history.push(Entry(sender, kind, amount, now));
    }
}

contract PersonalBank {
    mapping(address => uint256) public balances;
    uint256 public minimumSum = 1 ether;
    TransferLog private log;

    constructor(address logAddress) public {
        log = TransferLog(logAddress);
    }

    function deposit() public payable {
        balances[msg.sender] += msg.value;
        log.addEntry(msg.sender, msg.value, "deposit");
    }

    function collect(uint256 amount) public {
        if (balances[msg.sender] >= minimumSum && balances[msg.sender] >= amount) {
            if (msg.sender.call.value(amount)()) { // @expect reentrancy-eth
                balances[msg.sender] -= amount;
                log.addEntry(msg.sender, amount, "collect");
            }
        }
    }

    function() public payable {
        deposit();
    }
}

// The same bank paying with transfer after the decrease.
contract PersonalBankFixed {
    mapping(address => uint256) public balances;
    uint256 public minimumSum = 1 ether;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function collect(uint256 amount) public {
        require(balances[msg.sender] >= minimumSum && balances[msg.sender] >= amount);
        balances[msg.sender] -= amount;
        msg.sender.transfer(amount);
    }
}
