// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// SWC-114: what a pending transaction reveals or relies on.
contract FindThisHash {
    bytes32 public constant HASH = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;

    constructor() payable {}

    function solve(string calldata solution) external {
        require(HASH == keccak256(abi.encodePacked(solution)), "wrong"); // expect: front-running
        payable(msg.sender).transfer(1000 ether);
    }

    function solveLocal(string calldata solution) external {
        bytes32 h = keccak256(bytes(solution));
        if (h != HASH) revert("wrong"); // expect: front-running
        payable(msg.sender).transfer(1 ether);
    }
}

contract Puzzle {
    bytes32 public answer;
    address public winner;

    constructor(bytes32 a) {
        answer = a;
    }

    function claim(uint256 guess) external {
        if (keccak256(abi.encode(guess)) == answer) { // expect: front-running
            winner = msg.sender;
        }
    }
}

contract RewardRace {
    address public owner;
    bool public claimed;
    uint256 public reward;

    constructor() {
        owner = msg.sender;
    }

    function setReward() external payable {
        require(!claimed, "claimed");
        require(msg.sender == owner, "owner");
        payable(owner).transfer(reward); // expect: tx-order-dependence
        reward = msg.value;
    }

    function claimReward(uint256 submission) external {
        require(!claimed, "claimed");
        require(submission < 10, "bad");
        payable(msg.sender).transfer(reward); // expect: tx-order-dependence reentrancy-unlimited-gas
        claimed = true;
    }
}

contract PriceRace {
    address public owner;
    uint256 public price = 1 ether;
    mapping(address => uint256) public balances;

    constructor() {
        owner = msg.sender;
    }

    function setPrice(uint256 p) external {
        require(msg.sender == owner, "owner");
        price = p;
    }

    function buy() external payable {
        balances[msg.sender] += msg.value / price; // expect: tx-order-dependence
    }

    function withdraw() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(address(this).balance);
    }
}

contract OddsAndEvens {
    struct Player {
        address payable addr;
        uint256 number;
    }

    Player[2] public players;
    uint8 public tot;

    function play(uint256 number) external payable {
        require(msg.value == 1 ether, "stake");
        players[tot] = Player(payable(msg.sender), number); // expect: front-running
        tot++;
        if (tot == 2) andTheWinnerIs();
    }

    function andTheWinnerIs() private {
        uint256 n = players[0].number + players[1].number;
        if (n % 2 == 0) {
            players[0].addr.transfer(1.8 ether);
        } else {
            players[1].addr.transfer(1.8 ether);
        }
        delete players;
        tot = 0;
    }
}

contract RaceToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value; // expect: erc20-approve-race
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        balanceOf[from] -= value;
        balanceOf[to] += value;
        return true;
    }
}

contract FindThisHashFixed {
    mapping(address => bytes32) public commitments;
    bytes32 public constant HASH = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;

    constructor() payable {}

    function commit(bytes32 c) external {
        commitments[msg.sender] = c;
    }

    // The commitment binds the solution to its sender: a copy fails.
    function reveal(string calldata solution) external {
        require(keccak256(abi.encodePacked(msg.sender, solution)) == commitments[msg.sender], "commit");
        payable(msg.sender).transfer(1 ether);
    }

    function check(string calldata solution) external pure returns (bool) {
        return keccak256(abi.encodePacked(solution)) == HASH;
    }
}

contract RewardFixed {
    address public owner;
    bool public claimed;
    uint256 public reward;

    constructor() payable {
        owner = msg.sender;
        reward = msg.value;
    }

    function claimReward(uint256 submission) external {
        require(!claimed, "claimed");
        require(submission < 10, "bad");
        claimed = true;
        payable(msg.sender).transfer(reward);
    }
}

contract PriceFixed {
    address public owner;
    uint256 public price = 1 ether;
    mapping(address => uint256) public balances;

    constructor() {
        owner = msg.sender;
    }

    function setPrice(uint256 p) external {
        require(msg.sender == owner, "owner");
        price = p;
    }

    function buy(uint256 maxPrice) external payable {
        require(price <= maxPrice, "price moved");
        balances[msg.sender] += msg.value / price;
    }

    function withdraw() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(address(this).balance);
    }
}

contract CommitRevealGame {
    mapping(address => bytes32) public commitments;
    mapping(address => uint256) public moves;
    address payable[2] public players;

    function commit(bytes32 c) external payable {
        require(msg.value == 1 ether, "stake");
        commitments[msg.sender] = c;
    }

    function reveal(uint256 number, bytes32 salt) external {
        require(keccak256(abi.encodePacked(number, salt)) == commitments[msg.sender], "commit");
        moves[msg.sender] = number;
    }

    function settle() external {
        if ((moves[players[0]] + moves[players[1]]) % 2 == 0) {
            players[0].transfer(1.8 ether);
        } else {
            players[1].transfer(1.8 ether);
        }
    }
}

contract SafeApproveToken {
    mapping(address => mapping(address => uint256)) public allowance;

    function approve(address spender, uint256 value) external returns (bool) {
        require(value == 0 || allowance[msg.sender][spender] == 0, "reset first");
        allowance[msg.sender][spender] = value;
        return true;
    }
}

contract IncreaseAllowanceToken {
    mapping(address => mapping(address => uint256)) public allowance;

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        return true;
    }

    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        allowance[msg.sender][spender] += added;
        return true;
    }
}

// The owner collecting what bidders set is no race: no one else is paid.
contract AuctionProceeds {
    address public owner;
    uint256 public highestBid;
    address public highestBidder;
    mapping(address => uint256) public refunds;

    constructor() {
        owner = msg.sender;
    }

    function bid() external payable {
        require(msg.value > highestBid, "low");
        refunds[highestBidder] += highestBid;
        highestBidder = msg.sender;
        highestBid = msg.value;
    }

    function end() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(highestBid);
    }
}
