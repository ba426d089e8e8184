pragma solidity ^0.4.24;
contract FindThisHashFixed {
    bytes32 constant public hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;
    mapping (address => bytes32) public commitments;
    constructor() public payable {}
    function commit(bytes32 c) public { commitments[msg.sender] = c; }
    function reveal(string solution) public {
        require(keccak256(abi.encodePacked(msg.sender, solution)) == commitments[msg.sender]);
        msg.sender.transfer(1000 ether);
    }
}
contract RewardFixed {
    bool public claimed;
    uint public reward;
    constructor() public payable { reward = msg.value; }
    function claimReward(uint256 submission, uint expected) public {
        require(!claimed);
        require(submission < 10);
        require(reward == expected);
        claimed = true;
        msg.sender.transfer(reward);
    }
    function topUp(uint amount) public payable { require(msg.value == amount); reward = amount; }
}
contract StandardTokenFixed {
  mapping (address => mapping (address => uint256)) internal allowed;
  function approve(address _spender, uint256 _value) public returns (bool) {
    require((_value == 0) || (allowed[msg.sender][_spender] == 0));
    allowed[msg.sender][_spender] = _value;
    return true;
  }
}
