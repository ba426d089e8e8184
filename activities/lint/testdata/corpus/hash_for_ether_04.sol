pragma solidity ^0.4.24;

// SWC-100 and SWC-105. A "hash for ether" challenge whose payout helper has
// no visibility, so it is public: anyone calls it directly and takes the
// balance without solving anything.
contract AddressChallenge {
    function withdrawWinnings() public {
        // Win if the last 8 hex characters of the address are 0.
        require(uint32(msg.sender) == 0);
        _sendWinnings();
    }

    function _sendWinnings() { // @expect default-visibility unprotected-ether-withdrawal
        msg.sender.transfer(this.balance);
    }

    function() public payable {}
}

contract AddressChallengeFixed {
    function withdrawWinnings() public {
        require(uint32(msg.sender) == 0);
        _sendWinnings();
    }

    function _sendWinnings() internal {
        msg.sender.transfer(this.balance);
    }

    function() public payable {}
}
