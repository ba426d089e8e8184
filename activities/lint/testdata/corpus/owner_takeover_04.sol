pragma solidity ^0.4.24;

// SWC-105. An owner change without a guard, in a contract whose owner can
// drain it.
contract CollectionBox {
    address public owner;

    constructor() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    function changeOwner(address newOwner) public { // @expect missing-access-control
        owner = newOwner;
    }

    function collect() public onlyOwner {
        owner.transfer(address(this).balance);
    }

    function() public payable {}
}

// Two-step ownership transfer: the new owner accepts.
contract CollectionBoxFixed {
    address public owner;
    address public pendingOwner;

    constructor() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    function transferOwnership(address next) public onlyOwner {
        pendingOwner = next;
    }

    function acceptOwnership() public {
        require(msg.sender == pendingOwner);
        owner = pendingOwner;
        pendingOwner = address(0);
    }

    function collect() public onlyOwner {
        owner.transfer(address(this).balance);
    }

    function() public payable {}
}
