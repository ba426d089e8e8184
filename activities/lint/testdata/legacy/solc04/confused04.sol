pragma solidity ^0.4.24;

// SWC-105's confused sign: the check lets anyone take more than their
// balance, and the debit underflows instead of stopping them.
contract ConfusedSign04 {
    mapping(address => uint256) public balances;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) public { // expect: unprotected-ether-withdrawal
        require(amount >= balances[msg.sender]);
        balances[msg.sender] -= amount; // expect: integer-overflow
        msg.sender.transfer(amount);
    }

    function withdrawRight(uint256 amount) public {
        require(balances[msg.sender] >= amount);
        balances[msg.sender] -= amount;
        msg.sender.transfer(amount);
    }
}
