// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Who an unrestricted payout may go to: an address the caller names is
// arbitrary; a stored party, an account paid its own credit, or an
// address a stored signer signed for is not.

// A backend signs (recipient, amount, nonce); the multisig's guardians
// co-sign large payouts; payees are a stored list.
contract SignedPayout {
    address public signer;
    mapping(address => bool) public isGuardian;
    mapping(bytes32 => bool) public used;
    address[] public payees;
    mapping(address => uint256) public owed;

    constructor(address signer_, address[] memory guardians) {
        require(signer_ != address(0), "signer");
        signer = signer_;
        for (uint256 i = 0; i < guardians.length; i++) {
            isGuardian[guardians[i]] = true;
        }
    }

    receive() external payable {}

    function claim(address payable to, uint256 amount, uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked(address(this), to, amount, nonce));
        require(!used[digest], "used");
        require(ecrecover(digest, v, r, s) == signer, "signature");
        used[digest] = true;
        to.transfer(amount);
    }

    function execute(address payable to, uint256 amount, uint8[2] calldata v, bytes32[2] calldata r, bytes32[2] calldata s) external {
        bytes32 digest = keccak256(abi.encodePacked(address(this), to, amount));
        require(!used[digest], "used");
        address first = ecrecover(digest, v[0], r[0], s[0]);
        address second = ecrecover(digest, v[1], r[1], s[1]);
        if (first == second || !isGuardian[first] || !isGuardian[second]) revert("guardians");
        used[digest] = true;
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send");
    }

    // Anyone may push the next payment; the caller picks which payee, not
    // who is one.
    function payOut(uint256 i) external {
        address payee = payees[i];
        uint256 amount = owed[payee];
        owed[payee] = 0;
        payable(payee).transfer(amount);
    }

    // Keepers pay accounts their own credit.
    function withdrawFor(address payable account) external {
        uint256 amount = owed[account];
        require(amount > 0, "nothing");
        owed[account] = 0;
        account.transfer(amount);
    }
}

contract SignedPayoutVuln {
    mapping(bytes32 => bool) public used;

    receive() external payable {}

    // The signature is checked against the address the caller names:
    // anyone signs for their own address.
    function claim(address payable to, uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked(address(this), to, amount));
        require(!used[digest], "used");
        require(ecrecover(digest, v, r, s) == to, "signature");
        used[digest] = true;
        to.transfer(amount); // expect: arbitrary-send-eth:medium
    }

    // No check at all: anyone empties the contract.
    function sweep(address payable to) external {
        to.transfer(address(this).balance); // expect: arbitrary-send-eth:high
    }
}
