pragma solidity ^0.4.24;
contract Wallet {
    address creator;
    function Wallet() public { creator = msg.sender; }
    function withdrawTo(address to) public { to.transfer(this.balance); } // expect: arbitrary-send-eth
    function initWallet() public { creator = msg.sender; } // expect: unprotected-initializer
}
