// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Block values that decide who is paid are a dice roll a block producer
// (or a contract calling in the same block) can predict; block arithmetic
// that only tells time is not randomness.

// The classic lottery: the winner is drawn from a hash of block values.
contract BlockLottery {
    address[] public players;
    address public winner;
    uint256 public constant TICKET = 0.01 ether;

    function enter() external payable {
        require(msg.value == TICKET, "ticket");
        players.push(msg.sender);
    }

    function random() private view returns (uint256) {
        return uint256(keccak256(abi.encodePacked(block.prevrandao, block.number, players.length))); // expect: weak-prng:high
    }

    function pickWinner() external {
        require(players.length >= 3, "players");
        winner = players[random() % players.length];
        payable(winner).transfer(address(this).balance);
    }
}

// Double or nothing on the parity of the block: the roll guards a payout.
contract BlockParityBet {
    receive() external payable {}

    function bet() external payable {
        require(msg.value > 0 && msg.value <= 1 ether, "stake");
        if (block.number % 2 == 0) { // expect: weak-prng:high
            payable(msg.sender).transfer(2 * msg.value);
        }
    }
}

// A coin flip nothing pays on is still a roll, reported with LOW
// confidence.
contract BlockCoin {
    function flip() external view returns (bool) {
        return uint256(blockhash(block.number - 1)) % 2 == 0; // expect: weak-prng:low
    }
}

// A vesting countdown: the remainder of elapsed blocks and the phase of
// elapsed days are timing, and the deadline is a timing check, not a roll.
contract RoundClock {
    uint256 public immutable start;
    uint256 public immutable deadline;
    address payable public immutable beneficiary;
    uint256 public constant PERIOD = 100;

    constructor(address payable beneficiary_, uint256 deadline_) {
        require(beneficiary_ != address(0), "beneficiary");
        start = block.number;
        deadline = deadline_;
        beneficiary = beneficiary_;
    }

    receive() external payable {}

    function blocksLeftInRound() external view returns (uint256) {
        return PERIOD - (block.number - start) % PERIOD;
    }

    function weekday() public view returns (uint256) {
        uint256 elapsed = block.timestamp - deadline;
        return (elapsed / 1 days) % 7;
    }

    // The round pays when it ends: the remainder decides when, not whom.
    function release() external {
        require((block.number - start) % PERIOD == 0, "mid-round");
        require(block.timestamp >= deadline, "early"); // expect: timestamp
        beneficiary.transfer(address(this).balance);
    }
}
