// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract KingVuln {
    address payable public king;
    uint256 public prize;

    function claim() external payable {
        require(msg.value > prize, "low");
        king.transfer(prize); // expect: dos-revert reentrancy-unlimited-gas
        king = payable(msg.sender);
        prize = msg.value;
    }
}

contract AuctionDoSVuln {
    address public leader;
    uint256 public bid;

    function outbid() external payable {
        require(msg.value > bid, "low");
        (bool ok, ) = leader.call{value: bid}(""); // expect: dos-revert reentrancy-eth
        require(ok, "refund");
        leader = msg.sender;
        bid = msg.value;
    }
}

contract KingFixed {
    address public king;
    uint256 public prize;
    mapping(address => uint256) public refunds;

    function claim() external payable {
        require(msg.value > prize, "low");
        refunds[king] += prize;
        king = msg.sender;
        prize = msg.value;
    }

    function withdraw() external {
        uint256 r = refunds[msg.sender];
        refunds[msg.sender] = 0;
        payable(msg.sender).transfer(r);
    }
}
