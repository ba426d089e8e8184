pragma solidity ^0.4.24;

// SWC-115. A wallet that authorises its owner by tx.origin: a contract the
// owner is lured into calling forwards the call and passes the check.
contract OriginWallet {
    address public owner;

    constructor() public payable {
        owner = msg.sender;
    }

    function() public payable {}

    function withdrawAll(address recipient) public {
        require(tx.origin == owner); // @expect tx-origin
        recipient.transfer(address(this).balance);
    }

    function changeOwner(address next) public {
        if (tx.origin != owner) { // @expect tx-origin
            revert();
        }
        owner = next;
    }
}

// msg.sender for authorisation; tx.origin only to refuse contracts.
contract SenderWallet {
    address public owner;

    constructor() public payable {
        owner = msg.sender;
    }

    function() public payable {}

    function withdrawAll(address recipient) public {
        require(msg.sender == owner);
        recipient.transfer(address(this).balance);
    }

    function donate() public payable {
        require(tx.origin == msg.sender);
    }
}
