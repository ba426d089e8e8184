pragma solidity ^0.4.24;

// A contract renamed after its constructor was written.
contract Renamed04 {
    address public owner;

    function OldName() public { owner = msg.sender; } // expect: incorrect-constructor-name missing-access-control
}

// A real constructor: a capitalised function that checks its caller is
// no constructor left behind.
contract HasCtor04 {
    address public owner;

    constructor() public { owner = msg.sender; }

    function SetOwner(address o) public { require(msg.sender == owner && o != address(0)); owner = o; }
}
