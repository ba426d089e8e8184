pragma solidity ^0.5.0;

// SWC-112 and SWC-105. A hand-written upgradeable proxy: its upgrade
// function forgot the admin check, so anyone can point it at their own
// code and take the storage and balance.
contract OpenProxy {
    address public implementation;
    address public admin;

    constructor(address impl) public {
        implementation = impl;
        admin = msg.sender;
    }

    function upgradeTo(address impl) external { // @expect missing-access-control
        implementation = impl;
    }

    function () external payable {
        address impl = implementation;
        assembly {
            calldatacopy(0, 0, calldatasize)
            let result := delegatecall(gas, impl, 0, calldatasize, 0, 0)
            returndatacopy(0, 0, returndatasize)
            switch result
            case 0 { revert(0, returndatasize) }
            default { return(0, returndatasize) }
        }
    }
}

contract AdminProxy {
    address public implementation;
    address public admin;

    constructor(address impl) public {
        implementation = impl;
        admin = msg.sender;
    }

    modifier ifAdmin() {
        require(msg.sender == admin, "admin");
        _;
    }

    function upgradeTo(address impl) external ifAdmin {
        implementation = impl;
    }

    function changeAdmin(address next) external ifAdmin {
        require(next != address(0));
        admin = next;
    }

    function () external payable {
        address impl = implementation;
        assembly {
            calldatacopy(0, 0, calldatasize)
            let result := delegatecall(gas, impl, 0, calldatasize, 0, 0)
            returndatacopy(0, 0, returndatasize)
            switch result
            case 0 { revert(0, returndatasize) }
            default { return(0, returndatasize) }
        }
    }
}
