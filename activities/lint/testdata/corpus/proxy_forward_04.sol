pragma solidity ^0.4.24;

// SWC-112. A "forwarder" that delegatecalls whatever address the caller
// names: the callee runs with this contract's storage and balance.
contract Forwarder {
    address public owner;
    uint256 public nonce;

    constructor() public {
        owner = msg.sender;
    }

    function forward(address callee, bytes data) public { // forwards anything
        require(callee.delegatecall(data)); // @expect controlled-delegatecall
        nonce++;
    }

    function() public payable {}
}

// A wallet that delegates to a library fixed at construction, and an
// owner-only upgrade.
contract LibraryWallet {
    address public owner;
    address public lib;

    constructor(address first) public {
        owner = msg.sender;
        lib = first;
    }

    function upgrade(address next) public {
        require(msg.sender == owner);
        lib = next;
    }

    function run(bytes data) public {
        require(msg.sender == owner);
        require(lib.delegatecall(data));
    }

    function() public payable {
        if (msg.data.length > 0) {
            require(lib.delegatecall(msg.data));
        }
    }
}
