pragma solidity ^0.4.24;
// SWC-100 and SWC-118: a helper left public by default, constructors
// that are ordinary functions.
contract HashForEther {
    function withdrawWinnings() public {
        require(uint32(msg.sender) == 0);
        _sendWinnings();
    }
    function _sendWinnings() { msg.sender.transfer(this.balance); } // expect: default-visibility unprotected-ether-withdrawal
}
contract WalletLibrary {
    address owner;
    function initWallet(address _owner) { owner = _owner; } // expect: default-visibility unprotected-initializer missing-zero-check
}
contract Missing {
    address private owner;
    modifier onlyowner { require(msg.sender == owner); _; }
    function missing() public { owner = msg.sender; } // expect: incorrect-constructor-name missing-access-control
    function () payable {}
    function withdraw() public onlyowner { owner.transfer(this.balance); }
}
contract Named {
    address public owner;
    function Constructor() public { owner = msg.sender; } // expect: incorrect-constructor-name missing-access-control
}
contract HashForEtherFixed {
    function withdrawWinnings() public {
        require(uint32(msg.sender) == 0);
        _sendWinnings();
    }
    function _sendWinnings() internal { msg.sender.transfer(this.balance); }
}
contract MissingFixed {
    address private owner;
    modifier onlyowner { require(msg.sender == owner); _; }
    constructor() public { owner = msg.sender; }
    function () payable {}
    function withdraw() public onlyowner { owner.transfer(this.balance); }
    function deposit() payable { }
}
