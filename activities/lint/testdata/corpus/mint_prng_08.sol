// SPDX-License-Identifier: MIT
pragma solidity ^0.8.18;

// SWC-120. An NFT mint rolling each token's rarity from prevrandao and the
// minter: a contract mints only when the roll is legendary. (And the mint
// price can never leave the contract.)
contract RarityMint { // @expect locked-ether
    uint256 public nextId;
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => uint8) public rarity;

    function mint() external payable {
        require(msg.value == 0.01 ether, "price");
        uint256 id = nextId++;
        uint256 roll = uint256(keccak256(abi.encodePacked(block.prevrandao, msg.sender, id))) % 100; // @expect weak-prng
        ownerOf[id] = msg.sender;
        rarity[id] = roll < 1 ? 3 : roll < 10 ? 2 : 1;
    }
}

// The rarity is assigned later, from a random word only the VRF
// coordinator delivers.
contract RarityMintVRF {
    address public coordinator;
    address public owner;
    uint256 public nextId;
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => uint8) public rarity;
    mapping(uint256 => uint256) public pendingToken;

    constructor(address _coordinator) {
        coordinator = _coordinator;
        owner = msg.sender;
    }

    function mint(uint256 requestId) external payable {
        require(msg.value == 0.01 ether, "price");
        uint256 id = nextId++;
        ownerOf[id] = msg.sender;
        pendingToken[requestId] = id + 1;
    }

    function fulfillRandomWords(uint256 requestId, uint256[] calldata words) external {
        require(msg.sender == coordinator, "coordinator");
        uint256 id = pendingToken[requestId] - 1;
        delete pendingToken[requestId];
        uint256 roll = words[0] % 100;
        rarity[id] = roll < 1 ? 3 : roll < 10 ? 2 : 1;
    }

    function withdraw() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(address(this).balance);
    }
}
