// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-128. An airdrop anyone can register for, distributed in one loop
// over all registrants: enough sign-ups (from one attacker's many
// addresses) make distribute run out of gas for ever.
contract OpenAirdrop {
    address public owner;
    address[] public participants;
    mapping(address => bool) public joined;

    constructor() payable {
        owner = msg.sender;
    }

    function join() external {
        require(!joined[msg.sender], "joined");
        joined[msg.sender] = true;
        participants.push(msg.sender);
    }

    function distribute() external {
        require(msg.sender == owner, "owner");
        uint256 share = address(this).balance / participants.length;
        for (uint256 i = 0; i < participants.length; i++) { // @expect dos-unbounded-loop
            payable(participants[i]).transfer(share);
        }
    }
}

// Registrants are capped, and each claims their own share.
contract CappedAirdrop {
    uint256 public constant MAX = 500;
    address public owner;
    address[] public participants;
    mapping(address => bool) public joined;
    mapping(address => bool) public claimed;
    uint256 public share;

    constructor() payable {
        owner = msg.sender;
    }

    function join() external {
        require(!joined[msg.sender] && participants.length < MAX, "closed");
        joined[msg.sender] = true;
        participants.push(msg.sender);
    }

    function finalize() external {
        require(msg.sender == owner && share == 0, "owner");
        share = address(this).balance / participants.length;
    }

    function claim() external {
        require(joined[msg.sender] && !claimed[msg.sender] && share > 0, "nothing");
        claimed[msg.sender] = true;
        payable(msg.sender).transfer(share);
    }
}
