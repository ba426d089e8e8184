pragma solidity ^0.4.24;
contract GuessTheRandomNumberChallenge {
    uint8 answer;
    function GuessTheRandomNumberChallenge() public payable {
        require(msg.value == 1 ether);
        answer = uint8(keccak256(block.blockhash(block.number - 1), now)); // expect: deprecated timestamp weak-prng:high
    }
    function guess(uint8 n) public payable {
        require(msg.value == 1 ether);
        if (n == answer) { msg.sender.transfer(2 ether); }
    }
    function roll(uint max) public view returns (uint) {
        uint256 h = uint256(block.blockhash(block.number - 1)); // expect: deprecated weak-prng:low
        return h / max;
    }
    function lottery() public { if (uint(sha3(block.timestamp)) % 2 == 0) msg.sender.transfer(this.balance); } // expect: deprecated timestamp weak-prng:high
}
