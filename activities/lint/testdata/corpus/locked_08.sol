// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// Ether in, never out: a tip jar with a receive function and no way to
// spend what it collects.
contract TipJar { // @expect locked-ether
    mapping(address => uint256) public tipped;

    event Tipped(address from, uint256 amount);

    receive() external payable {
        tipped[msg.sender] += msg.value;
        emit Tipped(msg.sender, msg.value);
    }
}

contract TipJarFixed {
    address payable public artist;
    mapping(address => uint256) public tipped;

    constructor(address payable _artist) {
        artist = _artist;
    }

    receive() external payable {
        tipped[msg.sender] += msg.value;
    }

    function cashOut() external {
        require(msg.sender == artist, "artist");
        artist.transfer(address(this).balance);
    }
}

// A base meant to be inherited: its heirs add the withdrawal.
abstract contract Collects {
    uint256 public collected;

    function collect() external payable {
        collected += msg.value;
    }
}

contract Collector is Collects {
    address payable public owner = payable(msg.sender);

    function sweep() external {
        require(msg.sender == owner, "owner");
        owner.transfer(address(this).balance);
    }
}
