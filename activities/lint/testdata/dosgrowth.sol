// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Anyone grows the array; the loop walks all of it.
contract BonusVuln {
    address[] public holders;
    mapping(address => uint256) public points;

    function join() external {
        holders.push(msg.sender);
    }

    function payBonus() external {
        for (uint256 i = 0; i < holders.length; i++) { // expect: dos-unbounded-loop
            points[holders[i]] += 1;
        }
    }

    function payBonusFrom(uint256 start) external {
        for (uint256 i = start; i < holders.length; i++) { // expect: dos-unbounded-loop
            points[holders[i]] += 3;
        }
    }

    function payBonusReverse() external {
        for (uint256 i = holders.length; i > 0; i--) { // expect: dos-unbounded-loop
            points[holders[i - 1]] += 4;
        }
    }

    function payBonusCached() external {
        uint256 n = holders.length;
        for (uint256 i = 0; i < n; i++) { // expect: dos-unbounded-loop
            points[holders[i]] += 2;
        }
    }
}

// A counter anyone counts up bounds the loop; a clear zeroes every slot;
// a loop appends as many entries as the caller asks for.
contract RaffleVuln {
    uint256 public tickets;
    mapping(uint256 => address) public holderOf;
    mapping(address => uint256) public wins;
    address[] public players;

    function buy() external {
        holderOf[tickets++] = msg.sender;
    }

    function enterMany(uint256 n) external {
        for (uint256 i = 0; i < n; i++) { // expect: dos-unbounded-loop
            players.push(msg.sender);
        }
    }

    function score() external {
        uint256 i = 0;
        while (i < tickets) { // expect: dos-unbounded-loop
            wins[holderOf[i]] += 1;
            i++;
        }
    }

    function reset() external {
        delete players; // expect: dos-unbounded-loop
    }
}

// Fixed: the caller pages through the array.
contract BonusPaged {
    address[] public holders;
    mapping(address => uint256) public points;

    function join() external {
        holders.push(msg.sender);
    }

    function payBonus(uint256 start, uint256 count) external {
        for (uint256 i = start; i < holders.length && i < start + count; i++) {
            points[holders[i]] += 1;
        }
    }

    function joinTwice() external {
        for (uint256 i = 0; i < 2; i++) {
            holders.push(msg.sender);
        }
    }
}

// Fixed: a constant caps the array; only the owner grows the other one.
contract RaffleCapped {
    uint256 public constant MAX_PLAYERS = 100;
    address public immutable owner;
    address[] public players;
    address[] public members;
    mapping(address => uint256) public wins;

    constructor() {
        owner = msg.sender;
    }

    function enter() external {
        require(players.length < MAX_PLAYERS, "full");
        players.push(msg.sender);
    }

    function addMember(address m) external {
        require(msg.sender == owner, "not owner");
        members.push(m);
    }

    function score() external {
        for (uint256 i = 0; i < players.length; i++) {
            wins[players[i]] += 1;
        }
        for (uint256 i = 0; i < members.length; i++) {
            wins[members[i]] += 1;
        }
        delete players;
    }
}

// Fixed: each caller only grows, walks and clears their own list.
contract OwnDeposits {
    mapping(address => uint256[]) public deposits;
    mapping(address => uint256) public credited;

    function deposit(uint256 amount) external {
        deposits[msg.sender].push(amount);
    }

    function creditAll() external {
        uint256[] storage mine = deposits[msg.sender];
        for (uint256 i = 0; i < mine.length; i++) {
            credited[msg.sender] += mine[i];
        }
        delete deposits[msg.sender];
    }
}

// Anyone can grow another user's list, which blocks that user's walk.
contract GiftDeposits {
    mapping(address => uint256[]) public deposits;
    mapping(address => uint256) public credited;

    function gift(address to, uint256 amount) external {
        deposits[to].push(amount);
    }

    function creditAll() external {
        for (uint256 i = 0; i < deposits[msg.sender].length; i++) { // expect: dos-unbounded-loop
            credited[msg.sender] += deposits[msg.sender][i];
        }
    }
}

// Once per address is no bound: addresses cost nothing to make.
contract OncePerAddress {
    address public owner = msg.sender;
    address[] public members;
    address[] public voters;
    mapping(address => bool) public joined;
    mapping(address => bool) public voted;
    uint256 public total;

    function join() external {
        require(!joined[msg.sender], "joined");
        joined[msg.sender] = true;
        members.push(msg.sender);
    }

    function vote() external {
        require(voted[msg.sender] == false, "voted");
        voted[msg.sender] = true;
        voters.push(msg.sender);
    }

    function tally() external {
        require(msg.sender == owner, "owner");
        for (uint256 i = 0; i < members.length; i++) { // expect: dos-unbounded-loop
            total += 1;
        }
        for (uint256 i = 0; i < voters.length; i++) { // expect: dos-unbounded-loop
            total += 1;
        }
    }
}

// An allowlist is a bound: only the admitted grow it.
contract Allowlisted {
    address public owner = msg.sender;
    address[] public members;
    mapping(address => bool) public approved;
    uint256 public total;

    function approve(address who) external {
        require(msg.sender == owner && who != address(0), "owner");
        approved[who] = true;
    }

    function join() external {
        require(approved[msg.sender], "not approved");
        members.push(msg.sender);
    }

    function tally() external {
        require(msg.sender == owner, "owner");
        for (uint256 i = 0; i < members.length; i++) {
            total += 1;
        }
    }
}
