pragma solidity ^0.4.24;

// SWC-128. A "government" scheme paying all creditors when a round ends:
// anyone can add creditors, so the payout loop eventually needs more gas
// than a block holds and the money is stuck.
contract CreditorRound {
    address[] public creditors;
    uint256[] public amounts;
    uint256 public lastCredit;
    address public corrupt;

    constructor() public {
        corrupt = msg.sender;
        lastCredit = now;
    }

    function lend() public payable {
        require(msg.value >= 0.01 ether);
        creditors.push(msg.sender);
        amounts.push(msg.value * 110 / 100);
        lastCredit = now;
    }

    function payAll() public {
        require(now > lastCredit + 12 hours);
        for (uint256 i = 0; i < creditors.length; i++) { // @expect dos-unbounded-loop
            if (address(this).balance >= amounts[i]) {
                creditors[i].transfer(amounts[i]);
            }
        }
        delete creditors; // @expect dos-unbounded-loop
        delete amounts; // @expect dos-unbounded-loop
    }
}

// Capped rounds, paid in batches the caller sizes.
contract CreditorRoundFixed {
    uint256 public constant MAX = 100;
    address[] public creditors;
    mapping(address => uint256) public owed;
    uint256 public next;

    function lend() public payable {
        require(msg.value >= 0.01 ether && creditors.length < MAX);
        if (owed[msg.sender] == 0) {
            creditors.push(msg.sender);
        }
        owed[msg.sender] += msg.value * 110 / 100;
    }

    function withdraw() public {
        uint256 amount = owed[msg.sender];
        require(amount > 0 && address(this).balance >= amount);
        owed[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}
