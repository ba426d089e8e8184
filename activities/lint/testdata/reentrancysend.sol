// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// send/transfer forward 2300 gas: a state write after them is informational.
contract SendThenWrite {
    mapping(address => uint256) public balances;
    address public owner = msg.sender;
    uint256 public fees;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        require(balances[msg.sender] > 0, "empty");
        payable(msg.sender).transfer(balances[msg.sender]); // expect: reentrancy-unlimited-gas
        balances[msg.sender] = 0;
    }

    function withdrawSend() external {
        uint256 amount = balances[msg.sender];
        if (payable(msg.sender).send(amount)) { // expect: reentrancy-unlimited-gas
            balances[msg.sender] = 0;
        }
    }

    // The owner re-entering their own function is no attack.
    function collect() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(fees);
        fees = 0;
    }
}

contract SendAfterWrite {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}

// Only the arbiter can call refund: the buyer re-entering fails the check.
contract ArbiterRefund {
    address public arbiter = msg.sender;
    address payable public buyer;
    bool public refunded;
    mapping(address => bool) public registered;
    mapping(address => uint256) public balances;

    function refund() external {
        require(msg.sender == arbiter, "arbiter");
        require(!refunded, "done");
        (bool ok, ) = buyer.call{value: address(this).balance}("");
        require(ok, "failed");
        refunded = true;
    }

    function register() external payable {
        registered[msg.sender] = true;
        balances[msg.sender] += msg.value;
    }

    // Anyone can register: a membership check pins no caller.
    function withdraw() external {
        require(registered[msg.sender], "member");
        (bool ok, ) = msg.sender.call{value: balances[msg.sender]}(""); // expect: reentrancy-eth
        require(ok, "failed");
        balances[msg.sender] = 0;
    }
}

// The withdrawal pattern of the Solidity documentation: the credit is
// restored only when the send failed, which reverted any re-entry.
contract RestoreOnFailure {
    mapping(address => uint256) public pendingReturns;

    function bid() external payable {
        pendingReturns[msg.sender] += msg.value;
    }

    function withdraw() external returns (bool) {
        uint256 amount = pendingReturns[msg.sender];
        if (amount > 0) {
            pendingReturns[msg.sender] = 0;
            if (!payable(msg.sender).send(amount)) {
                pendingReturns[msg.sender] = amount;
                return false;
            }
        }
        return true;
    }

    function withdrawCall() external {
        uint256 amount = pendingReturns[msg.sender];
        pendingReturns[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) {
            pendingReturns[msg.sender] = amount;
        }
    }
}
