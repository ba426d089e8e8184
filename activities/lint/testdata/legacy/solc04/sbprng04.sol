pragma solidity ^0.4.24;
contract PredictBlockHash {
    struct Guess { uint block; bytes32 guess; }
    mapping(address => Guess) guesses;
    function lockInGuess(bytes32 hash) public payable {
        require(guesses[msg.sender].block == 0 && msg.value == 1 ether);
        guesses[msg.sender].guess = hash;
        guesses[msg.sender].block = block.number + 1;
    }
    function settle() public {
        require(block.number > guesses[msg.sender].block);
        bytes32 answer = blockhash(guesses[msg.sender].block); // expect: weak-prng:high
        guesses[msg.sender].block = 0;
        if (guesses[msg.sender].guess == answer) {
            msg.sender.transfer(2 ether);
        }
    }
}
// One draw, one finding: arithmetic on a drawn number is the same roll.
contract Doubler {
    uint[] entries;
    function rand(uint max) public view returns (uint256) {
        uint256 hashVal = uint256(blockhash(block.number - 1)); // expect: weak-prng:low
        return hashVal % max;
    }
    function coin() public payable {
        uint random = uint(keccak256(block.timestamp)) % 2; // expect: timestamp weak-prng:high
        if (random == 0) {
            msg.sender.transfer(msg.value);
        }
    }
}
// A timestamp kept only as a record, and a hash kept as an id, decide nothing.
contract Records {
    uint public lastUpdate;
    mapping(bytes32 => address) public orders;
    function touch() public { lastUpdate = now; }
    function place() public { orders[keccak256(msg.sender, now)] = msg.sender; }
}
