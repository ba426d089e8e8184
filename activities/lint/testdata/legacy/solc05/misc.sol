pragma solidity ^0.5.17;
contract Misc {
    address owner;
    uint public count = 1;
    constructor() public { owner = msg.sender; }
    function pay(address payable to, uint amount) public {
        require(tx.origin == owner); // expect: tx-origin
        to.transfer(amount);
    }
    function notify(address payable to) public { to.send(1); } // expect: arbitrary-send-eth unchecked-lowlevel
    function run(uint input) public { count -= input; } // expect: integer-overflow
    function lucky() public view returns (bool) { return uint(keccak256(abi.encodePacked(now, blockhash(block.number - 1)))) % 2 == 0; } // expect: timestamp weak-prng
    function late() public view returns (bool) { return now > 1000; } // expect: timestamp
    function kill() public { selfdestruct(msg.sender); } // expect: unprotected-selfdestruct
}
