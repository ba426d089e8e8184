// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// SWC-130, SWC-129, SWC-134: source that reads otherwise than it runs.
contract Texts {
    int256 public level;
    uint256 public fee = 1;

    // The fee in percent: ‮ 01 ‬ // expect: right-to-left-override
    function lower() external {
        level =- 1; // expect: assignment-typo:medium
    }

    function reset() external {
        level = -1;
        level=-1;
        level -= 1;
    }

    function forward(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value, gas: 2300}(""); // expect: hardcoded-gas
        require(ok, "failed");
    }

    function forwardAll(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "failed");
    }
}
