// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-114. Odds and evens with the numbers stored in clear: the second
// player reads the first's number (from the mempool or storage) and
// always wins.
contract OddEven {
    struct Player { address payable addr; uint256 number; }

    Player[2] public players;
    uint8 public count;

    function play(uint256 number) external payable {
        require(msg.value == 1 ether, "stake");
        players[count] = Player(payable(msg.sender), number); // @expect front-running
        count++;
        if (count == 2) {
            settle();
        }
    }

    function settle() private {
        uint256 n = players[0].number + players[1].number;
        address payable winner = n % 2 == 0 ? players[0].addr : players[1].addr;
        delete players;
        count = 0;
        (bool ok, ) = winner.call{value: 1.9 ether}("");
        require(ok, "send");
    }
}

// Commit-reveal: numbers are hashed with a salt first.
contract OddEvenCommit {
    address payable[2] public players;
    bytes32[2] public commits;
    uint256[2] public numbers;
    bool[2] public revealed;
    uint8 public count;

    function commit(bytes32 c) external payable {
        require(msg.value == 1 ether && count < 2, "stake");
        players[count] = payable(msg.sender);
        commits[count] = c;
        count++;
    }

    function reveal(uint8 i, uint256 number, bytes32 salt) external {
        require(count == 2 && players[i] == msg.sender, "player");
        require(keccak256(abi.encodePacked(number, salt)) == commits[i], "commit");
        numbers[i] = number;
        revealed[i] = true;
    }

    function settle() external {
        require(revealed[0] && revealed[1], "reveal");
        address payable winner = (numbers[0] + numbers[1]) % 2 == 0 ? players[0] : players[1];
        delete revealed;
        count = 0;
        (bool ok, ) = winner.call{value: 1.9 ether}("");
        require(ok, "send");
    }
}
