pragma solidity ^0.4.24;

// SWC-120. A dice game rolling from the previous block's hash: a contract
// can compute the same roll in the same block and only play when it wins.
contract BlockDice {
    address public house;
    uint256 public maxBet = 0.5 ether;

    event Rolled(address player, uint256 roll, bool won);

    constructor() public payable {
        house = msg.sender;
    }

    function roll(uint8 guess) public payable {
        require(msg.value <= maxBet && guess >= 1 && guess <= 6);
        uint256 result = uint256(blockhash(block.number - 1)) % 6 + 1; // @expect weak-prng
        bool won = result == guess;
        if (won) {
            msg.sender.transfer(msg.value * 5);
        }
        emit Rolled(msg.sender, result, won);
    }

    function withdraw(uint256 amount) public {
        require(msg.sender == house);
        house.transfer(amount);
    }
}

// The roll comes from an oracle's callback, which only the oracle can call.
contract OracleDice {
    address public house;
    address public oracle;
    mapping(bytes32 => address) public players;
    mapping(bytes32 => uint8) public guesses;

    constructor(address _oracle) public payable {
        house = msg.sender;
        oracle = _oracle;
    }

    function roll(uint8 guess, bytes32 requestId) public payable {
        require(msg.value == 0.1 ether && players[requestId] == address(0));
        players[requestId] = msg.sender;
        guesses[requestId] = guess;
    }

    function fulfill(bytes32 requestId, uint256 randomness) public {
        require(msg.sender == oracle);
        address player = players[requestId];
        delete players[requestId];
        if (randomness % 6 + 1 == guesses[requestId]) {
            player.transfer(0.5 ether);
        }
    }
}
