pragma solidity ^0.4.24;

// The seed is the deployment block's timestamp: public and fixed.
contract SaltedRandom {
    uint256 private salt = block.timestamp; // expect: weak-prng:low
    uint256 constant private pepper = now; // expect: weak-prng:low
    uint256 private stamp = block.timestamp;
    uint256 public last;

    function random(uint max) private view returns (uint256) {
        uint256 x = salt * 100 / max;
        uint256 y = salt * block.number / (salt % 5); // expect: weak-prng:low
        return (y + pepper % 7) / x; // expect: weak-prng:low
    }

    function play(uint max) public {
        last = random(max);
    }

    function age() public view returns (uint256) {
        return now - stamp;
    }
}

// The seed is a state variable a function sets from the block.
contract ReseededRandom {
    uint256 seed;
    address[] players;

    function join() public {
        require(players.length < 10);
        seed = block.number;
        players.push(msg.sender);
    }

    function winner() public view returns (address) {
        return players[seed % players.length]; // expect: weak-prng:high
    }
}

// Fixed: the number comes from the players' revealed secrets.
contract CommitRevealRandom {
    mapping(address => bytes32) commits;
    uint256 private salt;
    uint256 public last;

    function commit(bytes32 c) public {
        commits[msg.sender] = c;
    }

    function reveal(uint256 secret, uint max) public {
        require(keccak256(abi.encodePacked(secret)) == commits[msg.sender]);
        salt = uint256(keccak256(abi.encodePacked(salt, secret)));
        last = salt % max;
    }
}

// One bet per block: the stored timestamp is compared later.
contract OneBetPerBlock {
    uint public pastBlockTime;

    function () public payable {
        require(msg.value == 1 ether);
        require(now != pastBlockTime); // expect: timestamp
        pastBlockTime = now; // expect: timestamp
        msg.sender.transfer(address(this).balance);
    }
}
