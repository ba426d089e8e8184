pragma solidity ^0.4.24;

// SWC-116/SWC-120. A roulette that pays the pot when the block's timestamp
// is divisible by 15: the block producer chooses the timestamp.
contract TimeRoulette {
    uint256 public lastSpin;

    constructor() public payable {}

    function spin() public payable {
        require(msg.value == 10 ether);
        require(now != lastSpin);
        lastSpin = now;
        if (now % 15 == 0) { // @expect weak-prng
            msg.sender.transfer(this.balance);
        }
    }
}

// A spin settled by a later block number and a secret committed first.
contract CommitRoulette {
    address public croupier;
    bytes32 public commitment;
    uint256 public revealBlock;
    address public player;

    constructor(bytes32 c) public payable {
        croupier = msg.sender;
        commitment = c;
    }

    function bet() public payable {
        require(msg.value == 1 ether && player == address(0));
        player = msg.sender;
        revealBlock = block.number + 1;
    }

    function settle(bytes32 secret, bool playerWins) public {
        require(msg.sender == croupier && block.number > revealBlock);
        require(keccak256(abi.encodePacked(secret, playerWins)) == commitment);
        if (playerWins) {
            player.transfer(2 ether);
        }
        player = address(0);
    }
}
