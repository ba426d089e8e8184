pragma solidity ^0.4.24;
// Wrapped arithmetic that decides a check or an amount paid.
contract TokenSaleVuln {
    mapping(address => uint256) public balanceOf;
    uint256 constant PRICE_PER_TOKEN = 1 ether;
    function buy(uint256 numTokens) public payable {
        require(msg.value == numTokens * PRICE_PER_TOKEN); // expect: integer-overflow:high
        balanceOf[msg.sender] += numTokens; // expect: integer-overflow:high
    }
    function sell(uint256 numTokens) public {
        require(balanceOf[msg.sender] >= numTokens);
        balanceOf[msg.sender] -= numTokens;
        msg.sender.transfer(numTokens * PRICE_PER_TOKEN); // expect: integer-overflow:medium
    }
}
contract BalanceCheckVuln {
    mapping(address => uint) balances;
    function transfer(address _to, uint _value) public returns (bool) { // expect: short-address
        require(balances[msg.sender] - _value >= 0); // expect: integer-overflow:high
        balances[msg.sender] = balances[msg.sender] - _value; // expect: integer-overflow:high
        balances[_to] = balances[_to] + _value; // expect: integer-overflow:high
        return true;
    }
}
contract TokenSaleFixed { // expect: locked-ether
    mapping(address => uint256) public balanceOf;
    uint256 constant PRICE_PER_TOKEN = 1 ether;
    uint256 public count;
    function buy(uint256 numTokens) public payable {
        require(numTokens <= 1000000);
        require(msg.value / PRICE_PER_TOKEN == numTokens && numTokens * PRICE_PER_TOKEN / PRICE_PER_TOKEN == numTokens);
        require(balanceOf[msg.sender] + numTokens >= balanceOf[msg.sender]);
        balanceOf[msg.sender] += numTokens;
    }
    // An array's length plus one cannot wrap.
    function grow(address[] _items) public { count = _items.length + 1; }
}
