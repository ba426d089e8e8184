pragma solidity ^0.4.24;

// SWC-104 and SWC-105. A lottery whose payout send is not checked, and
// whose left-over ether anyone can take once the winner is "paid".
contract Lotto {
    bool public payedOut = false;
    address public winner;
    uint256 public winAmount;
    address public organizer;

    constructor() public {
        organizer = msg.sender;
    }

    function setWinner(address who, uint256 amount) public {
        require(msg.sender == organizer);
        winner = who;
        winAmount = amount;
    }

    function sendToWinner() public {
        require(!payedOut);
        winner.send(winAmount); // @expect unchecked-lowlevel
        payedOut = true;
    }

    function withdrawLeftOver() public { // @expect unprotected-ether-withdrawal
        require(payedOut);
        msg.sender.send(this.balance); // @expect unchecked-lowlevel
    }

    function() public payable {}
}

contract LottoFixed {
    bool public payedOut = false;
    address public winner;
    uint256 public winAmount;
    address public organizer;

    constructor() public {
        organizer = msg.sender;
    }

    function setWinner(address who, uint256 amount) public {
        require(msg.sender == organizer);
        winner = who;
        winAmount = amount;
    }

    function sendToWinner() public {
        require(!payedOut);
        payedOut = true;
        require(winner.send(winAmount));
    }

    function withdrawLeftOver() public {
        require(payedOut);
        require(msg.sender == organizer);
        organizer.transfer(this.balance);
    }

    function() public payable {}
}
