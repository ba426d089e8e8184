// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract UncheckedVuln {
    mapping(address => uint256) public balance;

    function credit(uint256 amount) external {
        unchecked {
            balance[msg.sender] += amount; // expect: unchecked-arithmetic:high
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

// OpenZeppelin's idiom: the debit is checked, then done unchecked.
contract UncheckedAfterCheck {
    mapping(address => uint256) public balance;

    error Insufficient(uint256 have, uint256 want);

    function debit(uint256 amount) external {
        uint256 have = balance[msg.sender];
        if (have < amount) revert Insufficient(have, amount);
        unchecked {
            balance[msg.sender] = have - amount;
        }
    }
}
