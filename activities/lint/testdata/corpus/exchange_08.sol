// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// No HIGH or MEDIUM finding expected: a bonding-curve exchange paying ether
// for tokens it burns from the seller, a sale refunding overpayment, and
// an owner-set price the buyer bounds.
interface IBurnable {
    function burnFrom(address account, uint256 amount) external;
    function mint(address to, uint256 amount) external;
}

contract TokenExchange {
    IBurnable public token;
    address public owner;
    uint256 public price = 1e15;

    constructor(IBurnable _token) payable {
        token = _token;
        owner = msg.sender;
    }

    function setPrice(uint256 p) external {
        require(msg.sender == owner, "owner");
        price = p;
    }

    function buy(uint256 amount, uint256 maxPrice) external payable {
        require(price <= maxPrice, "price moved");
        uint256 cost = amount * price;
        require(msg.value >= cost, "pay");
        token.mint(msg.sender, amount);
        if (msg.value > cost) {
            payable(msg.sender).transfer(msg.value - cost);
        }
    }

    function sell(uint256 amount, uint256 minPrice) external {
        require(price >= minPrice, "price moved");
        token.burnFrom(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount * price * 9 / 10}("");
        require(ok, "send");
    }
}
