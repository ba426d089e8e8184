// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract Owned {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    receive() external payable {}
}

contract LowLevelVuln is Owned {
    function pay(address payable to, uint256 amount) external onlyOwner {
        to.send(amount); // expect: unchecked-lowlevel
    }

    function exec(address target, bytes calldata data) external onlyOwner {
        target.call(data); // expect: unchecked-lowlevel
        (bool ok, ) = target.call(data); // expect: unchecked-lowlevel
    }
}

contract LowLevelFixed is Owned {
    function pay(address payable to, uint256 amount) external onlyOwner {
        bool sent = to.send(amount);
        require(sent, "send failed");
    }

    function exec(address target, bytes calldata data) external onlyOwner returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) revert("call failed");
        return ret;
    }
}
