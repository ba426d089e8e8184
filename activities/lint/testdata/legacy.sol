// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// TestPre08Constructs edits this file's AST into what solc < 0.5 produced
// (a shadowed state variable, an uninitialized storage pointer, sha3),
// which no 0.8 compiler accepts as source.
contract LegacyBase {
    uint256 public legacyCount;
}

contract LegacyChild is LegacyBase {
    struct S {
        uint256 a;
    }

    S[] internal items;
    uint256 public legacyTotal; // expect-legacy: shadowing-state

    function poke(bytes memory data) external returns (bytes32) {
        S storage s = items[0]; // expect-legacy: uninitialized-storage
        s.a = 1;
        return keccak256(data); // expect-legacy: deprecated
    }
}
