// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// A timestamp that is only recorded decides nothing: no finding above INFO.
contract Ledger {
    struct Entry {
        address author;
        uint256 amount;
        uint256 at;
    }

    Entry[] public entries;
    mapping(address => uint256) public lastSeen;
    uint256 public updatedAt;

    event Recorded(address indexed author, uint256 amount, uint256 at);

    function record(uint256 amount) external {
        entries.push(Entry(msg.sender, amount, block.timestamp));
        lastSeen[msg.sender] = block.timestamp;
        updatedAt = block.timestamp;
        emit Recorded(msg.sender, amount, block.timestamp);
    }

    function count() external view returns (uint256) {
        return entries.length;
    }
}
