// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20; // expect: pragma-floating

contract PragmaCaret {
    uint256 public x;
}
