pragma solidity ^0.4.24;
contract IntegerOverflowAddFixed {
    mapping (address => uint256) public balanceOf;
    function transfer(address _to, uint256 _value) public { // expect: short-address
        require(balanceOf[msg.sender] >= _value);
        require(balanceOf[_to] + _value >= balanceOf[_to]);
        balanceOf[msg.sender] -= _value;
        balanceOf[_to] += _value;
    }
}
contract OverflowFixed {
    uint public count = 1;
    function run(uint256 input) public { require(input <= count); count -= input; }
}
contract SupplyFixed {
    uint public total;
    function add(uint256 v) public { require(total + v >= total); total += v; }
}
