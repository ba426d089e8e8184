// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract LotteryVuln {
    uint256 public lastRoll;

    function roll() external returns (uint256) {
        uint256 seed = uint256(keccak256(abi.encodePacked(block.prevrandao, msg.sender))); // expect: weak-prng
        lastRoll = seed % 6; // expect: weak-prng
        return lastRoll;
    }

    function coin() external view returns (bool) {
        return block.number % 2 == 0; // expect: weak-prng
    }

    function guess(bytes32 answer) external view returns (bool) {
        return answer == blockhash(block.number - 1); // expect: weak-prng
    }

    function hashRoll() external view returns (uint256) {
        uint256 h = uint256(blockhash(block.number - 1)); // expect: weak-prng
        return h;
    }

    function guessHash(bytes32 g) external view returns (bool) {
        bytes32 answer = keccak256(abi.encodePacked(block.number, block.coinbase));
        return g == answer; // expect: weak-prng
    }
}

contract LotteryFixed {
    mapping(address => bytes32) public commitments;
    uint256 public lastRoll;

    function commit(bytes32 c) external {
        commitments[msg.sender] = c;
    }

    function reveal(uint256 secret, uint256 salt) external returns (uint256) {
        require(keccak256(abi.encodePacked(secret, salt)) == commitments[msg.sender], "bad reveal");
        lastRoll = uint256(keccak256(abi.encodePacked(secret, salt))) % 6;
        return lastRoll;
    }
}

contract OrderIds {
    mapping(bytes32 => address) public orders;

    function place() external returns (bytes32 id) {
        id = keccak256(abi.encodePacked(msg.sender, block.timestamp));
        orders[id] = msg.sender;
    }

    function guessLocal(bytes32 guess) external view returns (bool) {
        bytes32 answer = blockhash(block.number - 1);
        return guess == answer; // expect: weak-prng
    }
}
