// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-107. An ETH vault with shares: redeem pays before it burns, so a
// receiving contract redeems the same shares again from its fallback.
contract ShareVault {
    mapping(address => uint256) public shares;
    uint256 public totalShares;

    function deposit() external payable {
        uint256 minted = totalShares == 0 ? msg.value : msg.value * totalShares / (address(this).balance - msg.value);
        shares[msg.sender] += minted;
        totalShares += minted;
    }

    function redeem(uint256 amount) external {
        require(shares[msg.sender] >= amount, "shares");
        uint256 value = amount * address(this).balance / totalShares;
        (bool ok, ) = payable(msg.sender).call{value: value}(""); // @expect reentrancy-eth
        require(ok, "send");
        shares[msg.sender] -= amount;
        totalShares -= amount;
    }
}

contract ShareVaultFixed {
    mapping(address => uint256) public shares;
    uint256 public totalShares;
    bool private entered;

    modifier nonReentrant() {
        require(!entered, "reentrant");
        entered = true;
        _;
        entered = false;
    }

    function deposit() external payable nonReentrant {
        uint256 minted = totalShares == 0 ? msg.value : msg.value * totalShares / (address(this).balance - msg.value);
        shares[msg.sender] += minted;
        totalShares += minted;
    }

    function redeem(uint256 amount) external nonReentrant {
        require(shares[msg.sender] >= amount, "shares");
        uint256 value = amount * address(this).balance / totalShares;
        shares[msg.sender] -= amount;
        totalShares -= amount;
        (bool ok, ) = payable(msg.sender).call{value: value}("");
        require(ok, "send");
    }
}
