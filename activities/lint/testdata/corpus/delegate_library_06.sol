pragma solidity ^0.6.0;

// SWC-112. A "batch executor" that runs any library the caller names with
// delegatecall, so any caller can run code that rewrites the owner.
contract BatchExecutor {
    address public owner;
    uint256 public executions;

    constructor() public {
        owner = msg.sender;
    }

    function execute(address lib, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = lib.delegatecall(data); // @expect controlled-delegatecall
        require(ok, "failed");
        executions++;
        return ret;
    }

    receive() external payable {}
}

// Only the owner runs libraries, and only ones it approved.
contract BatchExecutorFixed {
    address public owner;
    mapping(address => bool) public approved;

    constructor() public {
        owner = msg.sender;
    }

    function approve(address lib) external {
        require(msg.sender == owner, "owner");
        approved[lib] = true;
    }

    function execute(address lib, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "owner");
        require(approved[lib], "unknown library");
        (bool ok, bytes memory ret) = lib.delegatecall(data);
        require(ok, "failed");
        return ret;
    }

    receive() external payable {}
}
