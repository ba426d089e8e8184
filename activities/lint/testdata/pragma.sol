// SPDX-License-Identifier: MIT
pragma solidity >=0.7.0 <0.9.0; // expect: pragma-floating solc-version

contract PragmaVuln {
    uint256 public x;
}
