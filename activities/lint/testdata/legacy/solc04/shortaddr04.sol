pragma solidity ^0.4.11;
// SWC-102's short-address attack: before 0.5 the ABI decoder accepts
// calldata shorter than the parameters.
contract MyToken {
    mapping (address => uint) balances;
    event Transfer(address indexed _from, address indexed _to, uint256 _value);
    function MyToken() {
        balances[tx.origin] = 10000;
    }
    function sendCoin(address to, uint amount) returns(bool sufficient) { // expect: short-address
        if (balances[msg.sender] < amount) return false;
        balances[msg.sender] -= amount;
        balances[to] += amount; // expect: integer-overflow:low
        Transfer(msg.sender, to, amount);
        return true;
    }
    function getBalance(address addr) constant returns(uint) {
        return balances[addr];
    }
}
contract HelperToken {
    mapping (address => uint) public balanceOf;
    function transfer(address _to, uint _value) public returns (bool) { // expect: short-address
        _transfer(msg.sender, _to, _value);
        return true;
    }
    function _transfer(address _from, address _to, uint _value) internal {
        require(balanceOf[_from] >= _value);
        require(balanceOf[_to] + _value >= balanceOf[_to]);
        balanceOf[_from] -= _value;
        balanceOf[_to] += _value;
    }
}
contract PayloadSizeToken {
    mapping (address => uint) public balanceOf;
    modifier onlyPayloadSize(uint size) {
        require(msg.data.length >= size + 4);
        _;
    }
    function transfer(address _to, uint _value) public onlyPayloadSize(2 * 32) returns (bool) {
        require(balanceOf[msg.sender] >= _value);
        require(balanceOf[_to] + _value >= balanceOf[_to]);
        balanceOf[msg.sender] -= _value;
        balanceOf[_to] += _value;
        return true;
    }
    function withdraw(uint _value, address _to) public {
        require(balanceOf[msg.sender] >= _value);
        balanceOf[msg.sender] -= _value;
        _to.transfer(_value);
    }
}
