// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-115. A smart-account whose owner check reads tx.origin.
contract OriginAccount {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        require(tx.origin == owner, "owner"); // @expect tx-origin
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        require(ok, "call");
        return ret;
    }
}

contract SenderAccount {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    receive() external payable {}

    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "owner");
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        require(ok, "call");
        return ret;
    }
}
