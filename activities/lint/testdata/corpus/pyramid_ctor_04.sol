pragma solidity ^0.4.24;

// SWC-118. A doubler pyramid renamed during development: the function
// meant as its constructor no longer matches the contract's name, so it is
// an ordinary public function and whoever calls it becomes the creator and
// collects the fees.
contract DoublerPyramid {
    address private creator;
    uint256 public collectedFees;
    uint256 public feePercent = 10;

    struct Participant { address etherAddress; uint256 payout; }
    Participant[] private participants;

    function doublerPyramid() public { // @expect incorrect-constructor-name missing-access-control
        creator = msg.sender;
    }

    modifier onlyowner() {
        if (msg.sender == creator) _;
    }

    function() public payable {
        require(msg.value >= 1 ether);
        collectedFees += msg.value * feePercent / 100;
        participants.push(Participant(msg.sender, msg.value * 2));
    }

    function collectAllFees() public onlyowner {
        require(collectedFees > 0);
        creator.transfer(collectedFees);
        collectedFees = 0;
    }

    function changeFeePercent(uint256 fee) public onlyowner {
        require(fee <= 10);
        feePercent = fee;
    }
}

// The same contract renamed after its constructor was written: the old
// name no longer matches at all.
contract MultiplierPyramid {
    address private creator;
    uint256 public collectedFees;

    function DoublerPyramid2() public { // @expect incorrect-constructor-name missing-access-control
        creator = msg.sender;
    }

    function() public payable {
        collectedFees += msg.value / 10;
    }

    function collectAllFees() public {
        require(msg.sender == creator);
        creator.transfer(collectedFees);
        collectedFees = 0;
    }
}

// The constructor keyword cannot drift from the contract's name.
contract DoublerPyramidFixed {
    address private creator;
    uint256 public collectedFees;

    constructor() public {
        creator = msg.sender;
    }

    function() public payable {
        collectedFees += msg.value / 10;
    }

    function collectAllFees() public {
        require(msg.sender == creator);
        creator.transfer(collectedFees);
        collectedFees = 0;
    }
}
