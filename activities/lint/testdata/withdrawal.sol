// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// SWC-105: ether paid out to whoever asks.
contract WithdrawVuln {
    address public owner;
    mapping(address => uint256) public balances;

    constructor() payable {
        owner = msg.sender;
    }

    function withdraw() public { // expect: unprotected-ether-withdrawal:high
        payable(msg.sender).transfer(1 ether);
    }

    function withdrawAll(address payable to) public {
        to.transfer(address(this).balance); // expect: arbitrary-send-eth
    }

    // Reads the caller's balance but never decreases it: refund forever.
    function refund() external { // expect: unprotected-ether-withdrawal:high
        uint256 amount = balances[msg.sender];
        require(amount > 0, "nothing");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "failed");
    }

    // Through an internal helper.
    function sweep() external { // expect: unprotected-ether-withdrawal:high
        _pay(payable(msg.sender), address(this).balance);
    }

    function _pay(address payable to, uint256 amount) internal {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "failed");
    }

    // A time lock is no access check.
    function release() external { // expect: unprotected-ether-withdrawal:high
        require(block.timestamp > 1700000000, "locked"); // expect: timestamp
        payable(msg.sender).transfer(address(this).balance);
    }
}

contract WithdrawFixed {
    address public owner;
    mapping(address => uint256) public balances;
    mapping(address => uint256) public lastDrip;
    bool public claimed;
    bytes32 public secretHash;
    uint256 private secretNumber;

    constructor(bytes32 h, uint256 n) payable {
        owner = msg.sender;
        secretHash = h;
        secretNumber = n;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "owner");
        _;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    // Pays out the caller's recorded balance and zeroes it.
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }

    function withdrawSome(uint256 amount) external {
        require(balances[msg.sender] >= amount, "balance");
        balances[msg.sender] -= amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "failed");
    }

    function withdrawTo(address payable to, uint256 amount) external {
        require(balances[msg.sender] >= amount, "balance");
        balances[msg.sender] -= amount;
        to.transfer(amount);
    }

    function withdrawAll() external onlyOwner {
        payable(msg.sender).transfer(address(this).balance);
    }

    function rescue(address payable to) external {
        require(msg.sender == owner, "owner");
        to.transfer(address(this).balance);
    }

    // A refund of what the caller just sent.
    function buy(uint256 price) external payable {
        require(msg.value >= price, "price");
        payable(msg.sender).transfer(msg.value - price);
    }

    // A faucet that records each drip.
    function drip() external {
        require(lastDrip[msg.sender] + 1 days < block.timestamp, "wait"); // expect: timestamp
        lastDrip[msg.sender] = block.timestamp; // expect: timestamp
        payable(msg.sender).transfer(0.01 ether);
    }

    // One reward, once.
    function claim(uint256 submission) external {
        require(!claimed, "claimed");
        require(submission < 10, "bad");
        claimed = true;
        payable(msg.sender).transfer(1 ether);
    }

    // A guessing game: the prize is meant for whoever guesses.
    function guess(uint256 n) external payable {
        require(msg.value == 0.1 ether, "stake");
        if (n == secretNumber) {
            payable(msg.sender).transfer(address(this).balance);
        }
    }
}

library SendLib {
    function sendValue(address payable recipient, uint256 amount) internal {
        (bool ok, ) = recipient.call{value: amount}("");
        require(ok, "send");
    }
}

contract WithdrawHelpers {
    using SendLib for address payable;
    mapping(address => uint256) public credit;

    function grab() external { // expect: unprotected-ether-withdrawal
        payable(msg.sender).sendValue(1 ether);
    }

    function grabVia() external { // expect: unprotected-ether-withdrawal
        SendLib.sendValue(payable(msg.sender), address(this).balance);
    }

    // A cap on the argument is no guard, but a check this detector cannot
    // tell from one: MEDIUM.
    function cashOut(uint256 amount) external { // expect: unprotected-ether-withdrawal:medium
        require(amount <= 1 ether, "cap");
        payable(msg.sender).transfer(amount);
    }

    function pull() external {
        uint256 amount = credit[msg.sender];
        delete credit[msg.sender];
        payable(msg.sender).sendValue(amount);
    }

    fallback() external { // expect: unprotected-ether-withdrawal
        payable(msg.sender).transfer(0.1 ether);
    }

    receive() external payable {
        credit[msg.sender] += msg.value;
    }
}

// The check the wrong way round, under checked arithmetic: the debit
// reverts unless the whole balance is taken, so it still books.
contract ConfusedSignChecked {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) external {
        require(amount >= balances[msg.sender], "amount");
        balances[msg.sender] -= amount;
        payable(msg.sender).transfer(amount);
    }
}
