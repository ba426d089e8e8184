pragma solidity ^0.5.0;

// SWC-120. A lottery drawing its winner from block values: the block
// producer, or a contract entering in the same block, knows the draw.
contract BlockLottery {
    address payable[] public players;
    address public manager;
    uint256 public constant TICKET = 0.1 ether;

    constructor() public {
        manager = msg.sender;
    }

    function enter() external payable {
        require(msg.value == TICKET && players.length < 100);
        players.push(msg.sender);
    }

    function pickWinner() external {
        require(msg.sender == manager && players.length > 0);
        uint256 index = uint256(keccak256(abi.encodePacked(block.difficulty, now, players.length))) % players.length; // @expect weak-prng
        players[index].transfer(address(this).balance);
        delete players;
    }
}

// The draw uses a seed the manager committed to before tickets were sold
// and a player-supplied salt revealed afterwards.
contract CommitLottery {
    address payable[] public players;
    address public manager;
    bytes32 public seedHash;
    bytes32 public salt;
    uint256 public constant TICKET = 0.1 ether;

    constructor(bytes32 _seedHash) public {
        manager = msg.sender;
        seedHash = _seedHash;
    }

    function enter(bytes32 playerSalt) external payable {
        require(msg.value == TICKET && players.length < 100);
        players.push(msg.sender);
        salt = keccak256(abi.encodePacked(salt, playerSalt));
    }

    function pickWinner(bytes32 seed) external {
        require(msg.sender == manager && players.length > 0);
        require(keccak256(abi.encodePacked(seed)) == seedHash);
        uint256 index = uint256(keccak256(abi.encodePacked(seed, salt))) % players.length;
        players[index].transfer(address(this).balance);
        delete players;
    }
}
