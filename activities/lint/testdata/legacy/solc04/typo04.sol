pragma solidity ^0.4.24;

contract Typo04 {
    uint public numberOne = 1;
    bytes32 public lastKey;

    function alwaysOne() public {
        numberOne =+ 1; // expect: assignment-typo
    }

    function keyOf(string a, string b) public {
        lastKey = keccak256(a, b); // expect: encode-packed-collision
    }
}
