pragma solidity ^0.4.24;

// A 2017-style burnable token: every debit is checked first (require,
// or `if (…) revert()`), a burn's total follows the balance it debits,
// and a counter grows by one. Nothing here wraps; the recipient's credit
// could only if balances neared 2^256, so it is a LOW-confidence note.
contract BurnableToken {
    uint256 public totalSupply;
    uint256 public holders;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => uint256) public transfersOf;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Burn(address indexed from, uint256 value);

    constructor(uint256 initialSupply) public {
        totalSupply = initialSupply;
        balanceOf[msg.sender] = initialSupply;
    }

    function transfer(address _to, uint256 _value) public returns (bool) { // expect: short-address
        require(balanceOf[msg.sender] >= _value);
        balanceOf[msg.sender] -= _value;
        balanceOf[_to] += _value; // expect: integer-overflow:low
        transfersOf[_to] += 1;
        emit Transfer(msg.sender, _to, _value);
        return true;
    }

    function burn(uint256 _value) public returns (bool) {
        if (balanceOf[msg.sender] < _value) revert();
        balanceOf[msg.sender] -= _value;
        totalSupply -= _value;
        emit Burn(msg.sender, _value);
        return true;
    }

    function burnFrom(address _from, uint256 _value) public returns (bool) { // expect: short-address
        require(balanceOf[_from] >= _value);
        require(_value <= allowance[_from][msg.sender]);
        balanceOf[_from] -= _value;
        allowance[_from][msg.sender] -= _value;
        totalSupply -= _value;
        emit Burn(_from, _value);
        return true;
    }

    function register() public {
        holders += 1;
    }
}

// The same token with its checks missing or wrong.
contract BurnableTokenVuln {
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Burn(address indexed from, uint256 value);

    constructor(uint256 initialSupply) public {
        totalSupply = initialSupply;
        balanceOf[msg.sender] = initialSupply;
    }

    // Checks the recipient's balance instead of the sender's.
    function transfer(address _to, uint256 _value) public returns (bool) { // expect: short-address
        require(balanceOf[_to] >= _value);
        balanceOf[msg.sender] -= _value; // expect: integer-overflow:medium
        balanceOf[_to] += _value; // expect: integer-overflow:medium
        return true;
    }

    // A positive amount is no bound.
    function burn(uint256 _value) public returns (bool) {
        require(_value > 0);
        balanceOf[msg.sender] -= _value; // expect: integer-overflow:high
        totalSupply -= _value; // expect: integer-overflow:high
        emit Burn(msg.sender, _value);
        return true;
    }

    // One check, two debits: the second is unchecked.
    function burnTwice(uint256 _value) public {
        require(balanceOf[msg.sender] >= _value);
        balanceOf[msg.sender] -= _value;
        balanceOf[msg.sender] -= _value; // expect: integer-overflow:medium
    }
}
