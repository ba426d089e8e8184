pragma solidity ^0.6.0;

// SWC-115. A treasury whose signer check is tx.origin in a modifier: a
// signer who calls any malicious contract lets it execute transfers.
contract OriginTreasury {
    mapping(address => bool) public isSigner;
    uint256 public limit = 10 ether;

    constructor(address[] memory signers) public {
        for (uint256 i = 0; i < signers.length; i++) {
            isSigner[signers[i]] = true;
        }
    }

    modifier onlySigner() {
        require(isSigner[tx.origin], "signer"); // @expect tx-origin
        _;
    }

    receive() external payable {}

    function pay(address payable to, uint256 amount) external onlySigner {
        require(amount <= limit, "limit");
        to.transfer(amount);
    }

    function setLimit(uint256 next) external {
        require(tx.origin != address(0) && isSigner[tx.origin], "signer"); // @expect tx-origin
        limit = next;
    }
}

contract SenderTreasury {
    mapping(address => bool) public isSigner;
    uint256 public limit = 10 ether;

    constructor(address[] memory signers) public {
        for (uint256 i = 0; i < signers.length; i++) {
            isSigner[signers[i]] = true;
        }
    }

    modifier onlySigner() {
        require(isSigner[msg.sender], "signer");
        _;
    }

    receive() external payable {}

    function pay(address payable to, uint256 amount) external onlySigner {
        require(amount <= limit, "limit");
        to.transfer(amount);
    }

    function setLimit(uint256 next) external onlySigner {
        limit = next;
    }
}
