pragma solidity ^0.4.24;

// Payouts to the caller that are not unprotected withdrawals: prizes of
// games (reported, where weak, by the randomness and front-running
// detectors), a bank booking through a storage pointer, and a splitter.
contract LuckyTen {
    uint256 public constant TICKET = 0.1 ether;

    constructor() public payable {}

    function play() public payable {
        require(msg.value == TICKET);
        if (uint256(keccak256(abi.encodePacked(blockhash(block.number - 1), msg.sender))) % 10 == 0) { // @expect weak-prng
            msg.sender.transfer(this.balance);
        }
    }
}

// A "password" withdrawal: the password is public once the transaction
// is pending.
contract PasswordPot {
    bytes32 public passHash;
    address public owner;

    constructor(bytes32 h) public payable {
        passHash = h;
        owner = msg.sender;
    }

    function unlock(string password) public {
        require(keccak256(abi.encodePacked(password)) == passHash); // @expect front-running
        msg.sender.transfer(address(this).balance);
    }
}

contract PointerBank {
    struct Account { uint256 balance; uint256 since; }
    mapping(address => Account) public accounts;

    function deposit() public payable {
        Account storage acc = accounts[msg.sender];
        acc.balance += msg.value;
        acc.since = now;
    }

    function withdraw(uint256 amount) public {
        Account storage acc = accounts[msg.sender];
        require(acc.balance >= amount);
        acc.balance -= amount;
        msg.sender.transfer(amount);
    }
}

contract PayeeSplitter {
    uint256 public totalShares;
    uint256 public totalReleased;
    mapping(address => uint256) public shares;
    mapping(address => uint256) public released;

    constructor(address[] payees, uint256[] amounts) public {
        for (uint256 i = 0; i < payees.length && i < 10; i++) {
            shares[payees[i]] = amounts[i];
            totalShares += amounts[i];
        }
    }

    function() public payable {}

    function release(address account) public {
        require(shares[account] > 0);
        uint256 received = address(this).balance + totalReleased;
        uint256 payment = received * shares[account] / totalShares - released[account];
        require(payment != 0);
        released[account] += payment;
        totalReleased += payment;
        account.transfer(payment);
    }
}
