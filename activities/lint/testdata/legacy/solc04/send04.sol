pragma solidity ^0.4.24;
contract ReturnValue {
  function callnotchecked(address callee) public { callee.call(); } // expect: unchecked-lowlevel
  function sendnotchecked(address to) public { to.send(1 ether); } // expect: arbitrary-send-eth unchecked-lowlevel
}
