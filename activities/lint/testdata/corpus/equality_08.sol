// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-132. A group purchase that completes when the pot equals the price
// exactly: one wei forced in by selfdestruct stops it for ever.
interface IERC20 {
    function balanceOf(address who) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

contract GroupBuy {
    address payable public seller;
    uint256 public price;
    bool public done;
    mapping(address => uint256) public paid;

    constructor(address payable _seller, uint256 _price) {
        seller = _seller;
        price = _price;
    }

    function pay() external payable {
        require(!done, "done");
        paid[msg.sender] += msg.value;
        if (address(this).balance == price) { // @expect incorrect-equality
            done = true;
            seller.transfer(price);
        }
    }
}

// A token sale that requires its own token balance to be exactly the cap.
contract ExactTokenSale {
    IERC20 public token;
    uint256 public cap;
    address public owner;

    constructor(IERC20 _token, uint256 _cap) {
        token = _token;
        cap = _cap;
        owner = msg.sender;
    }

    function start() external view returns (bool) {
        return token.balanceOf(address(this)) == cap; // @expect incorrect-equality
    }
}

contract GroupBuyFixed {
    address payable public seller;
    uint256 public price;
    bool public done;
    mapping(address => uint256) public paid;

    constructor(address payable _seller, uint256 _price) {
        seller = _seller;
        price = _price;
    }

    function pay() external payable {
        require(!done, "done");
        paid[msg.sender] += msg.value;
        if (address(this).balance >= price) {
            done = true;
            seller.transfer(price);
        }
    }
}
