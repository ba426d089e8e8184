pragma solidity ^0.4.24;

// Ether accepted and never sent anywhere: a donation box whose author
// forgot the withdrawal.
contract DonationBox { // @expect locked-ether
    mapping(address => uint256) public donated;
    uint256 public total;

    event Donated(address from, uint256 amount);

    function donate() public payable {
        donated[msg.sender] += msg.value;
        total += msg.value;
        emit Donated(msg.sender, msg.value);
    }
}

contract DonationBoxFixed {
    address public charity;
    mapping(address => uint256) public donated;

    constructor(address _charity) public {
        charity = _charity;
    }

    function donate() public payable {
        donated[msg.sender] += msg.value;
    }

    function release() public {
        charity.transfer(address(this).balance);
    }
}
