pragma solidity ^0.4.24;
contract IntegerOverflowAdd {
    mapping (address => uint256) public balanceOf;
    function transfer(address _to, uint256 _value) public{ // expect: short-address
        require(balanceOf[msg.sender] >= _value);
        balanceOf[msg.sender] -= _value;
        balanceOf[_to] += _value; // expect: integer-overflow:low
    }
}
contract Overflow { uint public count = 1; function run(uint256 input) public { count -= input; } } // expect: integer-overflow:high
