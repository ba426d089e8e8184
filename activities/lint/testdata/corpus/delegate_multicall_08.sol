// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-112. A router with a "plugin" hook that delegatecalls a caller-given
// module, next to the safe forms: a self-multicall and a proxy whose
// implementation only the admin sets.
contract PluginRouter {
    address public owner;
    mapping(address => uint256) public balances;

    constructor() {
        owner = msg.sender;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function runPlugin(address plugin, bytes calldata data) external {
        (bool ok, ) = plugin.delegatecall(data); // @expect controlled-delegatecall
        require(ok, "plugin");
    }

    // Delegatecalls into itself only: each call is one of this contract's
    // own functions.
    function multicall(bytes[] calldata calls) external returns (bytes[] memory out) {
        out = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory ret) = address(this).delegatecall(calls[i]);
            require(ok, "call");
            out[i] = ret;
        }
    }
}

contract AdminUpgradeableProxy {
    bytes32 private constant IMPL_SLOT = bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);
    address public immutable admin;

    constructor(address impl) {
        admin = msg.sender;
        _setImplementation(impl);
    }

    function upgradeTo(address impl) external {
        require(msg.sender == admin, "admin");
        _setImplementation(impl);
    }

    function _setImplementation(address impl) private {
        require(impl.code.length > 0, "not a contract");
        bytes32 slot = IMPL_SLOT;
        assembly {
            sstore(slot, impl)
        }
    }

    fallback() external payable {
        bytes32 slot = IMPL_SLOT;
        assembly {
            let impl := sload(slot)
            calldatacopy(0, 0, calldatasize())
            let result := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch result
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
