// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract TxOriginVuln {
    address public owner;
    uint256 public value;

    constructor() {
        owner = msg.sender;
    }

    function set(uint256 v) external {
        require(tx.origin == owner, "not owner"); // expect: tx-origin
        value = v;
    }

    modifier onlyEOA() {
        require(tx.origin == msg.sender, "no contracts");
        _;
    }

    function poke() external onlyEOA {
        value += 1;
    }
}

// tx.origin as the identity a lookup or a role check decides on.
contract TxOriginLookups {
    mapping(address => bool) public isSigner;
    mapping(bytes32 => mapping(address => bool)) private roles;
    bytes32 public constant ADMIN = keccak256("ADMIN");
    uint256 public value;

    function hasRole(bytes32 role, address who) public view returns (bool) {
        return roles[role][who];
    }

    function isContract(address who) internal view returns (bool) {
        return who.code.length > 0;
    }

    function bySigner(uint256 v) external {
        require(isSigner[tx.origin], "signer"); // expect: tx-origin
        value = v;
    }

    function byRole(uint256 v) external {
        if (!hasRole(ADMIN, tx.origin)) revert("admin"); // expect: tx-origin
        value = v;
    }

    function nested(uint256 v) external {
        require(roles[ADMIN][tx.origin]); // expect: tx-origin
        value = v;
    }

    // Whether the origin is a contract says nothing of who it is.
    function notFromContract(uint256 v) external {
        require(!isContract(tx.origin));
        value = v;
    }

    // tx.origin stored, never deciding anything.
    function remember() external {
        isSigner[tx.origin] = false;
    }
}

contract TxOriginFixed {
    address public owner;
    uint256 public value;

    constructor() {
        owner = msg.sender;
    }

    function set(uint256 v) external {
        require(msg.sender == owner, "not owner");
        value = v;
    }
}
