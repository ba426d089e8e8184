pragma solidity ^0.4.24;

// SWC-114. Bounties for the preimage of a stored hash: the solution is in
// the pending transaction, where a front-runner copies it with a higher
// gas price.
contract Sha3Bounty {
    bytes32 public constant target = 0x8d2b1a5e0b4cf4a1f3c6e9a7b5d8c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5;

    constructor() public payable {}

    function claim(string solution) public {
        require(target == sha3(solution)); // @expect front-running
        msg.sender.transfer(10 ether);
    }
}

contract Sha256Bounty {
    bytes32 public digest;

    constructor(bytes32 d) public payable {
        digest = d;
    }

    function claim(bytes solution) public {
        if (sha256(solution) == digest) { // @expect front-running
            msg.sender.transfer(address(this).balance);
        }
    }
}

// The solution is bound to its sender when committed.
contract CommitBounty {
    bytes32 public digest;
    mapping(address => bytes32) public commits;
    mapping(address => uint256) public commitBlock;

    constructor(bytes32 d) public payable {
        digest = d;
    }

    function commit(bytes32 c) public {
        commits[msg.sender] = c;
        commitBlock[msg.sender] = block.number;
    }

    function claim(bytes solution) public {
        require(commitBlock[msg.sender] < block.number);
        require(keccak256(abi.encodePacked(msg.sender, solution)) == commits[msg.sender]);
        require(sha256(solution) == digest);
        msg.sender.transfer(address(this).balance);
    }
}
