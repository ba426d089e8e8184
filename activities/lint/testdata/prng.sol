// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract LotteryVuln {
    uint256 public lastRoll;

    function roll() external returns (uint256) {
        uint256 seed = uint256(keccak256(abi.encodePacked(block.prevrandao, msg.sender))); // expect: weak-prng:low
        lastRoll = seed % 6;
        return lastRoll;
    }

    function coin() external view returns (bool) {
        return block.number % 2 == 0; // expect: weak-prng:low
    }

    function guess(bytes32 answer) external view returns (bool) {
        return answer == blockhash(block.number - 1); // expect: weak-prng:low
    }

    function hashRoll() external view returns (uint256) {
        uint256 h = uint256(blockhash(block.number - 1)); // expect: weak-prng:low
        return h;
    }

    function guessHash(bytes32 g) external view returns (bool) {
        bytes32 answer = keccak256(abi.encodePacked(block.number, block.coinbase)); // expect: weak-prng:low
        return g == answer;
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
        bytes32 answer = blockhash(block.number - 1); // expect: weak-prng:low
        return guess == answer;
    }
}

contract SaltVuln {
    uint256 private salt = block.timestamp; // expect: weak-prng:high
    uint256 private seed;
    uint256 public winner;

    function reseed() external {
        seed = block.prevrandao;
    }

    function pick(uint256 players) external {
        winner = (salt * 31 + players) % players; // expect: weak-prng:high
    }

    function pickAgain(uint256 players) external {
        uint256 s = seed;
        winner = s % players; // expect: weak-prng:high
    }
}

contract SaltFixed {
    address public immutable oracle;
    uint256 public deployedAt = block.timestamp;
    uint256 public winner;

    constructor(address o) {
        require(o != address(0), "zero oracle");
        oracle = o;
    }

    // The oracle delivers a verified random word.
    function fulfill(uint256 randomWord, uint256 players) external {
        require(msg.sender == oracle, "not oracle");
        winner = randomWord % players;
    }

    function age() external view returns (uint256) {
        return block.timestamp - deployedAt;
    }
}
