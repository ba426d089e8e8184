pragma solidity ^0.4.24;
contract ReturnValue {
  address owner = msg.sender;
  function callnotchecked(address callee) public { callee.call(); } // expect: unchecked-lowlevel
  function sendnotchecked(address to) public { to.send(1 ether); } // expect: arbitrary-send-eth unchecked-lowlevel
  function either(bool b) public { b ? owner.send(1) : owner.send(2); } // expect: unchecked-lowlevel
  function chained() public { owner.send(1) && owner.send(2); } // expect: unchecked-lowlevel
  function unread() public { bool ok = owner.send(1); } // expect: unchecked-lowlevel
  function delegate(bytes data) public { require(msg.sender == owner); owner.delegatecall(data); } // expect: unchecked-lowlevel
  function legacyCallcode() public { require(msg.sender == owner); owner.callcode(); } // expect: deprecated unchecked-lowlevel
}
contract ReturnValueFixed {
  address owner = msg.sender;
  function callchecked(address callee) public { require(callee.call()); }
  function sendchecked() public { if (!owner.send(1)) revert(); }
  function either(bool b) public { require(b ? owner.send(1) : owner.send(2)); }
  function read() public { bool ok = owner.send(1); require(ok); }
  function delegate(bytes data) public { require(msg.sender == owner); require(owner.delegatecall(data)); }
}
