// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Analysed as if compiled by solc 0.7 (see TestIntegerOverflowPre08): the
// compact AST has the same shape, only the arithmetic semantics differ.
contract OverflowToken {
    mapping(address => uint256) public balanceOf;

    function transfer(address to, uint256 value) external {
        balanceOf[msg.sender] -= value; // expect-0.7: integer-overflow
        balanceOf[to] += value; // expect-0.7: integer-overflow
    }

    function transferChecked(address to, uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
    }
}
