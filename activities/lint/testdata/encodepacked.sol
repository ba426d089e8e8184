// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// SWC-133: vouchers signed over packed strings.
contract Vouchers {
    address public signer;
    mapping(bytes32 => bool) public used;
    string public constant PREFIX = "voucher:";
    string[] public names;

    constructor() {
        signer = msg.sender;
    }

    function redeem(string calldata who, string calldata what, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 h = keccak256(abi.encodePacked(who, what)); // expect: encode-packed-collision:high
        require(ecrecover(h, v, r, s) == signer, "signature");
        require(!used[h], "used");
        used[h] = true;
    }

    function nameKey(uint256 i, uint256 j) external view returns (bytes32) {
        return keccak256(abi.encodePacked(names[i], names[j])); // expect: encode-packed-collision:medium
    }

    // One dynamic value among fixed ones: no ambiguity.
    function key(address a, string calldata name, uint256 n) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(a, name, n));
    }

    // Constants cannot shift.
    function tagged(string calldata name) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(PREFIX, name, "!"));
    }

    // abi.encode writes the lengths.
    function encoded(string calldata a, bytes calldata b) external pure returns (bytes32) {
        return keccak256(abi.encode(a, b));
    }

    // Packed but not hashed: a display string, not a key.
    function label(string calldata a, string calldata b) external pure returns (string memory) {
        return string(abi.encodePacked(a, b));
    }
}
