// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// No HIGH or MEDIUM finding expected: timestamps recorded for the record
// (events, audit trail) and a transfer that pays with transfer and then
// updates a statistic. Both are informational at most.
contract AttendanceLedger {
    struct Visit { address who; uint256 at; }

    Visit[] public visits;
    mapping(address => uint256) public lastVisit;
    mapping(address => uint256) public deposits;
    uint256 public totalPaid;

    event Visited(address who, uint256 at);

    function checkIn() external {
        visits.push(Visit(msg.sender, block.timestamp));
        lastVisit[msg.sender] = block.timestamp;
        emit Visited(msg.sender, block.timestamp);
    }

    function deposit() external payable {
        deposits[msg.sender] += msg.value;
    }

    function withdraw() external {
        require(deposits[msg.sender] > 0, "empty");
        payable(msg.sender).transfer(deposits[msg.sender]);
        deposits[msg.sender] = 0;
        totalPaid += 1;
    }
}
