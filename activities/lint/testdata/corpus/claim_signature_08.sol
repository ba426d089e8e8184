// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// SWC-133. An airdrop whose operator signs (campaign, account) off chain.
// The message is the hash of the two strings packed together, so the
// signature for campaign "spring" and account "0xab…" also covers campaign
// "spring0xab" with the account cut short: a claim under a campaign the
// operator never signed for that account.
contract CampaignClaims {
    address public immutable operator;
    mapping(bytes32 => bool) public claimed;
    mapping(string => uint256) public rewards;

    constructor(address op) {
        require(op != address(0), "operator");
        operator = op;
    }

    function claim(string calldata campaign, string calldata account, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked(campaign, account)); // @expect encode-packed-collision
        require(ecrecover(digest, v, r, s) == operator, "not signed");
        require(!claimed[digest], "claimed");
        claimed[digest] = true;
        rewards[account] += 1;
    }
}

// The fixed version: abi.encode keeps each string's length, and a nonce
// and the contract's address are fixed-size.
contract CampaignClaimsFixed {
    address public immutable operator;
    mapping(bytes32 => bool) public claimed;
    mapping(string => uint256) public rewards;

    constructor(address op) {
        require(op != address(0), "operator");
        operator = op;
    }

    function claim(string calldata campaign, string calldata account, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encode(campaign, account));
        require(ecrecover(digest, v, r, s) == operator, "not signed");
        require(!claimed[digest], "claimed");
        claimed[digest] = true;
        rewards[account] += 1;
    }

    function id(uint256 nonce, string calldata account) external view returns (bytes32) {
        return keccak256(abi.encodePacked(address(this), nonce, account));
    }
}
