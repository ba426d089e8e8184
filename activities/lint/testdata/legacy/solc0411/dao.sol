pragma solidity 0.4.11;
contract SimpleDAO {
  mapping (address => uint) public credit;
  address owner;
  function SimpleDAO() { owner = msg.sender; }
  function withdraw(uint amount) {
    if (credit[msg.sender] >= amount) {
      if (!msg.sender.call.value(amount)()) throw; // expect: deprecated reentrancy-eth
      credit[msg.sender] -= amount;
    }
  }
  function queryCredit(address to) constant returns (uint) { return credit[to]; } // expect: deprecated
  function pay(address to, uint amount) {
    if (tx.origin != owner) throw; // expect: deprecated tx-origin
    to.transfer(amount);
  }
  function notify(address to) { to.send(1); } // expect: arbitrary-send-eth unchecked-lowlevel
  function kill() { suicide(msg.sender); } // expect: deprecated unprotected-selfdestruct
  function lottery() { if (uint(sha3(block.timestamp)) % 2 == 0) msg.sender.transfer(this.balance); } // expect: deprecated timestamp weak-prng
  function run(uint input) { var x = input; credit[owner] -= x; } // expect: deprecated integer-overflow
}
