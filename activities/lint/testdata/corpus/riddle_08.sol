// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-114. A riddle contract paying the first correct answer: the answer
// travels in clear in the pending transaction.
contract Riddles {
    struct Riddle { bytes32 answerHash; uint256 prize; bool solved; }

    address public host;
    Riddle[] public riddles;

    constructor() {
        host = msg.sender;
    }

    function post(bytes32 answerHash) external payable {
        require(msg.sender == host, "host");
        riddles.push(Riddle(answerHash, msg.value, false));
    }

    function answer(uint256 id, string calldata guess) external {
        Riddle storage r = riddles[id];
        require(!r.solved, "solved");
        require(keccak256(abi.encodePacked(guess)) == r.answerHash, "wrong"); // @expect front-running
        r.solved = true;
        payable(msg.sender).transfer(r.prize);
    }
}

// Commit first (a hash of the sender and the answer), reveal a block later.
contract RiddlesCommitReveal {
    struct Riddle { bytes32 answerHash; uint256 prize; bool solved; }

    address public host;
    Riddle[] public riddles;
    mapping(address => bytes32) public commitments;
    mapping(address => uint256) public committedAt;

    constructor() {
        host = msg.sender;
    }

    function post(bytes32 answerHash) external payable {
        require(msg.sender == host, "host");
        riddles.push(Riddle(answerHash, msg.value, false));
    }

    function commit(bytes32 c) external {
        commitments[msg.sender] = c;
        committedAt[msg.sender] = block.number;
    }

    function answer(uint256 id, string calldata guess) external {
        Riddle storage r = riddles[id];
        require(!r.solved, "solved");
        require(committedAt[msg.sender] < block.number, "same block");
        require(keccak256(abi.encodePacked(msg.sender, guess)) == commitments[msg.sender], "commitment");
        require(keccak256(abi.encodePacked(guess)) == r.answerHash, "wrong");
        r.solved = true;
        payable(msg.sender).transfer(r.prize);
    }
}
