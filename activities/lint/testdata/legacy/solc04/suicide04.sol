pragma solidity ^0.4.24;
contract SimpleSuicide {
  function sudicideAnyone() { selfdestruct(msg.sender); } // expect: unprotected-selfdestruct:high
}
contract Suicide2 {
  function kill() public { suicide(msg.sender); } // expect: deprecated unprotected-selfdestruct:high
}
