pragma solidity ^0.6.0;

// SWC-105. An implementation contract for a proxy: its initialize can be
// called by anyone, any number of times, to take ownership.
contract VaultImplementation {
    address public owner;
    uint256 public fee;
    mapping(address => uint256) public balances;

    function initialize(address _owner, uint256 _fee) external { // @expect unprotected-initializer
        owner = _owner;
        fee = _fee;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function setFee(uint256 next) external {
        require(msg.sender == owner, "owner");
        fee = next;
    }

    function sweep(address payable to) external {
        require(msg.sender == owner, "owner");
        to.transfer(address(this).balance);
    }
}

contract Initializable {
    bool private initialized;
    bool private initializing;

    modifier initializer() {
        require(initializing || !initialized, "initialized");
        bool top = !initializing;
        if (top) {
            initializing = true;
            initialized = true;
        }
        _;
        if (top) {
            initializing = false;
        }
    }
}

contract VaultImplementationFixed is Initializable {
    address public owner;
    uint256 public fee;
    mapping(address => uint256) public balances;

    function initialize(address _owner, uint256 _fee) external initializer {
        owner = _owner;
        fee = _fee;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function setFee(uint256 next) external {
        require(msg.sender == owner, "owner");
        fee = next;
    }

    function sweep(address payable to) external {
        require(msg.sender == owner, "owner");
        to.transfer(address(this).balance);
    }
}
