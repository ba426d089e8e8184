pragma solidity ^0.6.12;
contract Reentrancy {
    mapping(address => uint) public balances;
    function deposit() public payable { balances[msg.sender] += msg.value; }
    function withdraw(uint amount) public {
        require(balances[msg.sender] >= amount);
        (bool ok, ) = msg.sender.call.value(amount)(""); // expect: reentrancy-eth
        require(ok);
        balances[msg.sender] -= amount;
    }
    function withdrawAll() public {
        msg.sender.call.value(balances[msg.sender])(""); // expect: reentrancy-eth unchecked-lowlevel
        balances[msg.sender] = 0;
    }
}
