// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Analysed as if compiled by solc 0.7 (see TestIntegerOverflowPre08): the
// compact AST has the same shape, only the arithmetic semantics differ.
contract OverflowToken {
    mapping(address => uint256) public balanceOf;
    uint256 public total;

    function transfer(address to, uint256 value) external {
        balanceOf[msg.sender] -= value; // expect-0.7: integer-overflow:high
        balanceOf[to] += value; // expect-0.7: integer-overflow:high
    }

    // The classic token: the sender's balance is checked, the recipient's
    // sum is not, so it can wrap, if balances can near 2^256: LOW.
    function transferHalfChecked(address to, uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value; // expect-0.7: integer-overflow:low
    }

    // A check that mentions the operand but bounds nothing.
    function burn(uint256 value) external {
        require(value > 0, "zero");
        balanceOf[msg.sender] -= value; // expect-0.7: integer-overflow:high
    }

    // BEC's batchTransfer: the product wraps into a small amount.
    function batchTransfer(address[] calldata to, uint256 value) external {
        uint256 amount = to.length * value; // expect-0.7: integer-overflow:high
        require(balanceOf[msg.sender] >= amount, "balance");
        balanceOf[msg.sender] = balanceOf[msg.sender] - amount;
        for (uint256 i = 0; i < to.length; i++) {
            balanceOf[to[i]] = balanceOf[to[i]] + value; // expect-0.7: integer-overflow:high
        }
    }
}

contract OverflowTokenFixed {
    mapping(address => uint256) public balanceOf;
    uint256 public total;

    function transfer(address to, uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        require(balanceOf[to] + value >= balanceOf[to], "overflow");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
    }

    function mint(uint256 value) external {
        total += value;
        assert(total >= value);
    }

    function burn(uint256 value) external {
        uint256 bal = balanceOf[msg.sender];
        require(value <= bal, "balance");
        balanceOf[msg.sender] -= value;
    }

    function batchTransfer(address[] calldata to, uint256 value) external {
        uint256 amount = to.length * value;
        require(to.length == 0 || amount / to.length == value, "overflow");
        require(balanceOf[msg.sender] >= amount, "balance");
        balanceOf[msg.sender] = balanceOf[msg.sender] - amount;
    }

    // A local result that never reaches storage is not reported.
    function preview(uint256 a, uint256 b) external returns (uint256) {
        uint256 s = a + b;
        return s;
    }
}

// Checks written as early exits bound a debit as require does, and a
// burn's total follows the balance it debits.
contract OverflowTokenEarlyExit {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    uint256 public transfers;

    error Insufficient();

    function transfer(address to, uint256 value) external returns (bool) {
        if (balanceOf[msg.sender] < value) revert Insufficient();
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value; // expect-0.7: integer-overflow:low
        transfers += 1;
        return true;
    }

    function burn(uint256 value) external returns (bool) {
        if (value > balanceOf[msg.sender]) return false;
        balanceOf[msg.sender] -= value;
        totalSupply -= value;
        return true;
    }

    // Only the branch that checked may debit.
    function burnSome(uint256 value, bool checked) external {
        if (checked) {
            require(balanceOf[msg.sender] >= value, "balance");
        }
        balanceOf[msg.sender] -= value; // expect-0.7: integer-overflow:high
    }
}
