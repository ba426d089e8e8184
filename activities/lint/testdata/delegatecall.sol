// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract ProxyVuln {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function forward(address target, bytes calldata data) external {
        (bool ok, ) = target.delegatecall(data); // expect: controlled-delegatecall:high
        require(ok, "failed");
    }
}

contract ProxyFixed {
    address public immutable lib;

    constructor(address lib_) {
        require(lib_ != address(0), "zero lib");
        lib = lib_;
    }

    function forward(bytes calldata data) external {
        (bool ok, ) = lib.delegatecall(data);
        require(ok, "failed");
    }
}
