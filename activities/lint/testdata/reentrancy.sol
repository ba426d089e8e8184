// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract ReentrancyVuln {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // expect: reentrancy-eth
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }

    // The write happens in an internal helper after the call.
    function withdrawVia() external {
        _pay(msg.sender, balances[msg.sender]); // expect: reentrancy-eth
        _clear(msg.sender);
    }

    function _pay(address to, uint256 amount) internal {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send failed");
    }

    function _clear(address who) internal {
        balances[who] = 0;
    }
}

contract ReentrancyFixed {
    mapping(address => uint256) public balances;
    bool private locked;

    modifier guard() {
        require(!locked, "reentrant");
        locked = true;
        _;
        locked = false;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
    }

    function withdrawGuarded() external guard {
        (bool ok, ) = msg.sender.call{value: balances[msg.sender]}("");
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }
}

interface IVault {
    function deposit() external payable;
}

contract ReentrancyHighLevel {
    mapping(address => uint256) public owed;

    function forward(IVault vault) external {
        vault.deposit{value: owed[msg.sender]}(); // expect: reentrancy-eth
        owed[msg.sender] = 0;
    }
}

contract ReentrancyBenign {
    mapping(address => uint256) public balances;
    uint256 public totalPaid;

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        totalPaid += amount;
    }
}
