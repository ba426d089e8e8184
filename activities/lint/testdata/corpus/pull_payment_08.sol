// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// No finding expected: a marketplace in the style OpenZeppelin's
// Ownable, ReentrancyGuard and PullPayment encourage, paying sellers and
// refunding buyers only through credits they withdraw themselves.
abstract contract Ownable {
    address private _owner;

    error NotOwner(address caller);

    constructor() {
        _owner = msg.sender;
    }

    modifier onlyOwner() {
        _checkOwner();
        _;
    }

    function owner() public view returns (address) {
        return _owner;
    }

    function _checkOwner() internal view {
        if (msg.sender != _owner) {
            revert NotOwner(msg.sender);
        }
    }

    function transferOwnership(address next) external onlyOwner {
        require(next != address(0), "zero");
        _owner = next;
    }
}

abstract contract Guard {
    uint256 private _status = 1;

    modifier nonReentrant() {
        require(_status == 1, "reentrant");
        _status = 2;
        _;
        _status = 1;
    }
}

library Address {
    function sendValue(address payable recipient, uint256 amount) internal {
        require(address(this).balance >= amount, "balance");
        (bool ok, ) = recipient.call{value: amount}("");
        require(ok, "send");
    }
}

contract Marketplace is Ownable, Guard {
    using Address for address payable;

    struct Listing { address seller; uint256 price; bool sold; }

    uint256 public feeBps = 250;
    uint256 public fees;
    Listing[] public listings;
    mapping(address => uint256) public credits;

    event Listed(uint256 id, address seller, uint256 price);
    event Bought(uint256 id, address buyer);

    function list(uint256 price) external returns (uint256 id) {
        require(price > 0, "price");
        id = listings.length;
        listings.push(Listing(msg.sender, price, false));
        emit Listed(id, msg.sender, price);
    }

    function buy(uint256 id) external payable nonReentrant {
        Listing storage l = listings[id];
        require(!l.sold, "sold");
        require(msg.value >= l.price, "price");
        l.sold = true;
        uint256 fee = l.price * feeBps / 10000;
        fees += fee;
        credits[l.seller] += l.price - fee;
        if (msg.value > l.price) {
            payable(msg.sender).sendValue(msg.value - l.price);
        }
        emit Bought(id, msg.sender);
    }

    function withdrawCredits() external nonReentrant {
        uint256 amount = credits[msg.sender];
        require(amount > 0, "nothing");
        credits[msg.sender] = 0;
        payable(msg.sender).sendValue(amount);
    }

    function withdrawFees(address payable to) external onlyOwner {
        uint256 amount = fees;
        fees = 0;
        to.sendValue(amount);
    }

    function setFee(uint256 bps) external onlyOwner {
        require(bps <= 1000, "fee");
        feeBps = bps;
    }
}
