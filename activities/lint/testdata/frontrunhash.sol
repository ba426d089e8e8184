// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// SWC-114: the first transaction with the preimage of a stored hash is paid.
contract HashBounty {
    bytes32 public secretHash;
    bytes32 public shaHash;
    mapping(uint256 => bytes32) public puzzles;

    constructor(bytes32 k, bytes32 s) payable {
        secretHash = k;
        shaHash = s;
    }

    function addPuzzle(uint256 id, bytes32 h) external payable {
        require(puzzles[id] == bytes32(0), "taken");
        puzzles[id] = h;
    }

    function solve(string memory guess) external {
        if (keccak256(abi.encodePacked(guess)) == secretHash) { // expect: front-running
            payable(msg.sender).transfer(address(this).balance);
        }
    }

    function solveSha(bytes memory guess) external {
        require(sha256(guess) == shaHash, "wrong"); // expect: front-running
        (bool ok, ) = msg.sender.call{value: 1 ether}("");
        require(ok, "failed");
    }

    function solvePuzzle(uint256 id, bytes32 preimage) external {
        require(keccak256(abi.encodePacked(preimage)) == puzzles[id], "wrong"); // expect: front-running
        puzzles[id] = bytes32(0);
        payable(msg.sender).transfer(0.5 ether);
    }
}

contract HashBountyFixed {
    bytes32 public secretHash;
    mapping(address => bytes32) public commits;

    constructor(bytes32 k) payable {
        secretHash = k;
    }

    function commit(bytes32 c) external {
        commits[msg.sender] = c;
    }

    function reveal(string memory guess) external {
        require(keccak256(abi.encodePacked(msg.sender, guess)) == commits[msg.sender], "commit");
        require(keccak256(abi.encodePacked(guess)) == secretHash, "wrong");
        payable(msg.sender).transfer(address(this).balance);
    }
}
