pragma solidity ^0.4.24;

// SWC-132. A crowdfund that only finalises when its balance is exactly
// the goal: ether forced in by selfdestruct (or a contribution that
// overshoots) makes the equality false for ever.
contract ExactCrowdfund {
    address public beneficiary;
    uint256 public goal;
    bool public finalized;
    mapping(address => uint256) public contributed;

    constructor(address _beneficiary, uint256 _goal) public {
        beneficiary = _beneficiary;
        goal = _goal;
    }

    function contribute() public payable {
        require(!finalized);
        contributed[msg.sender] += msg.value;
    }

    function finalize() public {
        require(address(this).balance == goal); // @expect incorrect-equality
        finalized = true;
        beneficiary.transfer(address(this).balance);
    }
}

contract ThresholdCrowdfund {
    address public beneficiary;
    uint256 public goal;
    bool public finalized;
    mapping(address => uint256) public contributed;

    constructor(address _beneficiary, uint256 _goal) public {
        beneficiary = _beneficiary;
        goal = _goal;
    }

    function contribute() public payable {
        require(!finalized);
        contributed[msg.sender] += msg.value;
    }

    function finalize() public {
        require(address(this).balance >= goal);
        finalized = true;
        beneficiary.transfer(address(this).balance);
    }
}
