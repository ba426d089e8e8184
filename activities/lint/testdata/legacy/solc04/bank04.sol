pragma solidity ^0.4.24;
// The honeypot banks of public corpora: balances reached through a local
// storage pointer, and balances zeroed after the call.
contract PrivateBank {
    struct Holder { uint unlockTime; uint balance; }
    mapping (address => Holder) public Acc;
    uint public MinSum = 1 ether;
    function Put(uint _unlockTime) public payable {
        var acc = Acc[msg.sender]; // expect: deprecated
        acc.balance += msg.value;
        acc.unlockTime = _unlockTime > now ? _unlockTime : now; // expect: timestamp
    }
    function Collect(uint _am) public payable {
        var acc = Acc[msg.sender]; // expect: deprecated
        if (acc.balance >= MinSum && acc.balance >= _am && now > acc.unlockTime) { // expect: timestamp
            if (msg.sender.call.value(_am)()) { // expect: reentrancy-eth
                acc.balance -= _am;
            }
        }
    }
}
contract ZeroAfter {
    mapping (address => uint) public userBalance;
    function deposit() public payable { userBalance[msg.sender] += msg.value; }
    function withdrawBalance() public {
        if (!(msg.sender.call.value(userBalance[msg.sender])())) { throw; } // expect: deprecated reentrancy-eth
        userBalance[msg.sender] = 0;
    }
}
contract PrivateBankFixed {
    struct Holder { uint unlockTime; uint balance; }
    mapping (address => Holder) public Acc;
    function Put() public payable {
        Holder storage acc = Acc[msg.sender];
        acc.balance += msg.value;
    }
    function Collect(uint _am) public {
        Holder storage acc = Acc[msg.sender];
        require(acc.balance >= _am);
        acc.balance -= _am;
        msg.sender.transfer(_am);
    }
}
contract ZeroBefore {
    mapping (address => uint) public userBalance;
    function deposit() public payable { userBalance[msg.sender] += msg.value; }
    function withdrawBalance() public {
        uint amount = userBalance[msg.sender];
        userBalance[msg.sender] = 0;
        require(msg.sender.call.value(amount)());
    }
}
