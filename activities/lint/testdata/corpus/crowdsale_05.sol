pragma solidity ^0.5.0;

// A crowdsale with refunds when the goal is missed. The raised ether can
// be sent anywhere by anyone once the sale ends.
contract RefundableSale {
    address payable public wallet;
    uint256 public goal;
    uint256 public deadline;
    uint256 public raised;
    mapping(address => uint256) public contributions;

    constructor(address payable _wallet, uint256 _goal, uint256 duration) public {
        wallet = _wallet;
        goal = _goal;
        deadline = now + duration;
    }

    function buy() external payable {
        require(now < deadline);
        contributions[msg.sender] += msg.value;
        raised += msg.value;
    }

    function claimRefund() external {
        require(now >= deadline && raised < goal);
        uint256 amount = contributions[msg.sender];
        contributions[msg.sender] = 0;
        msg.sender.transfer(amount);
    }

    function withdrawRaised(address payable to) external {
        require(now >= deadline && raised >= goal);
        to.transfer(address(this).balance); // @expect arbitrary-send-eth
    }
}

contract RefundableSaleFixed {
    address payable public wallet;
    uint256 public goal;
    uint256 public deadline;
    uint256 public raised;
    mapping(address => uint256) public contributions;

    constructor(address payable _wallet, uint256 _goal, uint256 duration) public {
        wallet = _wallet;
        goal = _goal;
        deadline = now + duration;
    }

    function buy() external payable {
        require(now < deadline);
        contributions[msg.sender] += msg.value;
        raised += msg.value;
    }

    function claimRefund() external {
        require(now >= deadline && raised < goal);
        uint256 amount = contributions[msg.sender];
        contributions[msg.sender] = 0;
        msg.sender.transfer(amount);
    }

    // Anyone may trigger it, but the ether goes to the wallet fixed at
    // deployment.
    function withdrawRaised() external {
        require(now >= deadline && raised >= goal);
        wallet.transfer(address(this).balance);
    }
}
