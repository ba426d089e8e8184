// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract UncheckedVuln {
    mapping(address => uint256) public balance;

    function credit(uint256 amount) external {
        unchecked {
            balance[msg.sender] += amount; // expect: unchecked-arithmetic
        }
    }
}

contract UncheckedFixed {
    mapping(address => uint256) public balance;
    uint256[] public items;

    function credit(uint256 amount) external {
        balance[msg.sender] += amount;
    }

    function count() external view returns (uint256 n) {
        for (uint256 i = 0; i < items.length; ) {
            n += items[i];
            unchecked {
                ++i;
            }
        }
    }
}
