pragma solidity ^0.4.24;

// SWC-105. Three withdrawals of a small wallet, in the shapes the SWC
// registry describes: a refund that never decreases the balance, a
// withdrawal whose check is the wrong way round (and whose decrease then
// underflows), and a payout to any address.
contract RefundWallet {
    address public owner;
    mapping(address => uint256) public balances;

    constructor() public {
        owner = msg.sender;
    }

    function deposit() public payable {
        assert(balances[msg.sender] + msg.value > balances[msg.sender]);
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public { // @expect unprotected-ether-withdrawal
        require(amount >= balances[msg.sender]);
        msg.sender.transfer(amount);
        balances[msg.sender] -= amount; // @expect integer-overflow
    }

    function refund() public { // @expect unprotected-ether-withdrawal
        msg.sender.transfer(balances[msg.sender]);
    }

    function payout(address to, uint256 amount) public {
        require(amount <= address(this).balance);
        to.transfer(amount); // @expect arbitrary-send-eth
    }
}

contract RefundWalletFixed {
    address public owner;
    mapping(address => uint256) public balances;

    constructor() public {
        owner = msg.sender;
    }

    function deposit() public payable {
        assert(balances[msg.sender] + msg.value > balances[msg.sender]);
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public {
        require(amount <= balances[msg.sender]);
        balances[msg.sender] -= amount;
        msg.sender.transfer(amount);
    }

    function refund() public {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        msg.sender.transfer(amount);
    }

    function payout(address to, uint256 amount) public {
        require(msg.sender == owner);
        to.transfer(amount);
    }
}
