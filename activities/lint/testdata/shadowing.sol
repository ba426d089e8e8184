// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract ShadowVuln {
    uint256 public fee;

    function setFee(uint256 fee) external { // expect: shadowing-local
        require(fee < 100, "too high");
    }
}

contract ShadowFixed {
    uint256 public fee;

    function setFee(uint256 newFee) external {
        require(newFee < 100, "too high");
        fee = newFee;
    }
}
