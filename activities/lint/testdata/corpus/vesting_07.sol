pragma solidity ^0.7.0;

// SWC-105. A vesting contract with an "emergency" exit that was meant for
// the owner and pays whoever calls it.
contract LinearVesting {
    address payable public beneficiary;
    address public owner;
    uint256 public start;
    uint256 public duration;
    uint256 public released;

    constructor(address payable _beneficiary, uint256 _duration) payable {
        owner = msg.sender;
        beneficiary = _beneficiary;
        start = block.timestamp;
        duration = _duration;
    }

    function vested() public view returns (uint256) {
        uint256 total = address(this).balance + released;
        if (block.timestamp >= start + duration) {
            return total;
        }
        return total * (block.timestamp - start) / duration;
    }

    // Anyone may trigger the release; the ether goes to the beneficiary.
    function release() external {
        uint256 amount = vested() - released;
        released += amount;
        beneficiary.transfer(amount);
    }

    function emergencyWithdraw() external { // @expect unprotected-ether-withdrawal
        msg.sender.transfer(address(this).balance);
    }
}

contract LinearVestingFixed {
    address payable public beneficiary;
    address public owner;
    uint256 public start;
    uint256 public duration;
    uint256 public released;

    constructor(address payable _beneficiary, uint256 _duration) payable {
        owner = msg.sender;
        beneficiary = _beneficiary;
        start = block.timestamp;
        duration = _duration;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "owner");
        _;
    }

    function vested() public view returns (uint256) {
        uint256 total = address(this).balance + released;
        if (block.timestamp >= start + duration) {
            return total;
        }
        return total * (block.timestamp - start) / duration;
    }

    function release() external {
        uint256 amount = vested() - released;
        released += amount;
        beneficiary.transfer(amount);
    }

    function emergencyWithdraw() external onlyOwner {
        msg.sender.transfer(address(this).balance);
    }
}
