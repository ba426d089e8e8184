pragma solidity ^0.4.24;

// SWC-119. A token whose sale contract redeclares the owner of its base:
// the base's onlyOwner checks its own (never set) owner, the sale's
// constructor sets the other one.
contract Owned {
    address public owner;

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }
}

contract TokenSale is Owned {
    address public owner; // @expect shadowing-state
    uint256 public price = 1 finney;
    mapping(address => uint256) public balances;

    constructor() public {
        owner = msg.sender;
    }

    function buy() public payable {
        balances[msg.sender] += msg.value / price;
    }

    function setPrice(uint256 p) public onlyOwner {
        price = p;
    }

    function withdraw() public onlyOwner {
        msg.sender.transfer(address(this).balance);
    }
}

contract OwnedFixed {
    address public owner;

    constructor() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }
}

contract TokenSaleFixed is OwnedFixed {
    uint256 public price = 1 finney;
    mapping(address => uint256) public balances;

    function buy() public payable {
        balances[msg.sender] += msg.value / price;
    }

    function setPrice(uint256 p) public onlyOwner {
        price = p;
    }

    function withdraw() public onlyOwner {
        msg.sender.transfer(address(this).balance);
    }
}
