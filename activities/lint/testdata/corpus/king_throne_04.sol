pragma solidity ^0.4.24;

// SWC-113 and SWC-104. A king-of-the-hill game: whoever pays more than the
// current claim becomes king, and the previous king is compensated.
contract ThroneRefund {
    address public king;
    uint256 public claimPrice = 0.1 ether;

    constructor() public {
        king = msg.sender;
    }

    // A king that is a contract rejecting ether makes every later claim
    // revert: the throne is theirs for ever.
    function claimThrone() public payable {
        require(msg.value >= claimPrice);
        king.transfer(msg.value); // @expect dos-revert
        king = msg.sender;
        claimPrice = msg.value * 3 / 2;
    }
}

contract ThroneSend {
    address public king;
    uint256 public claimPrice = 0.1 ether;
    address public wizard;

    constructor() public {
        king = msg.sender;
        wizard = msg.sender;
    }

    // The compensation's send is never checked: a king whose send fails
    // (a contract with an expensive fallback) loses it silently.
    function claimThrone() public payable {
        require(msg.value >= claimPrice);
        uint256 compensation = msg.value * 98 / 100;
        king.send(compensation); // @expect unchecked-lowlevel
        king = msg.sender;
        claimPrice = msg.value * 3 / 2;
    }

    function sweepCommission(uint256 amount) public {
        require(msg.sender == wizard);
        wizard.transfer(amount);
    }
}

// Pull payments: the previous king withdraws.
contract ThronePull {
    address public king;
    uint256 public claimPrice = 0.1 ether;
    mapping(address => uint256) public owed;

    constructor() public {
        king = msg.sender;
    }

    function claimThrone() public payable {
        require(msg.value >= claimPrice);
        owed[king] += msg.value;
        king = msg.sender;
        claimPrice = msg.value * 3 / 2;
    }

    function withdraw() public {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}
