// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// SWC-104. A payroll that marks salaries paid whether or not the send
// went through.
contract Payroll {
    address public employer;
    mapping(address => uint256) public salary;
    mapping(address => uint256) public paidUntil;

    constructor() payable {
        employer = msg.sender;
    }

    function hire(address e, uint256 monthly) external {
        require(msg.sender == employer, "employer");
        salary[e] = monthly;
        paidUntil[e] = block.timestamp;
    }

    function paySalary(address payable e) external {
        require(msg.sender == employer, "employer");
        require(block.timestamp >= paidUntil[e] + 30 days, "early");
        paidUntil[e] += 30 days;
        e.send(salary[e]); // @expect unchecked-lowlevel
    }

    receive() external payable {}
}

contract PayrollFixed {
    address public employer;
    mapping(address => uint256) public salary;
    mapping(address => uint256) public paidUntil;

    constructor() payable {
        employer = msg.sender;
    }

    function hire(address e, uint256 monthly) external {
        require(msg.sender == employer, "employer");
        salary[e] = monthly;
        paidUntil[e] = block.timestamp;
    }

    function paySalary(address payable e) external {
        require(msg.sender == employer, "employer");
        require(block.timestamp >= paidUntil[e] + 30 days, "early");
        paidUntil[e] += 30 days;
        bool ok = e.send(salary[e]);
        require(ok, "send");
    }

    receive() external payable {}
}
