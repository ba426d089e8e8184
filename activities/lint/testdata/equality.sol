// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract EqualityVuln {
    function drained() external view returns (bool) {
        return address(this).balance == 0; // expect: incorrect-equality
    }
}

contract EqualityFixed {
    function drained() external view returns (bool) {
        return address(this).balance < 1 gwei;
    }
}
