pragma solidity ^0.4.24;
// SWC-114 in the shapes of the public corpora (SmartBugs front_running).
contract FindThisHash {
    bytes32 constant public hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;
    constructor() public payable {}
    function solve(string solution) public {
        require(hash == sha3(solution)); // expect: deprecated front-running
        msg.sender.transfer(1000 ether);
    }
}
contract EthTxOrderDependenceMinimal {
    address public owner;
    bool public claimed;
    uint public reward;
    function EthTxOrderDependenceMinimal() public {
        owner = msg.sender;
    }
    function setReward() public payable {
        require (!claimed);
        require(msg.sender == owner);
        owner.transfer(reward); // expect: tx-order-dependence
        reward = msg.value;
    }
    function claimReward(uint256 submission) {
        require (!claimed);
        require(submission < 10);
        msg.sender.transfer(reward); // expect: tx-order-dependence reentrancy-unlimited-gas
        claimed = true;
    }
}
contract OddsAndEvens {
  struct Player {
    address addr;
    uint number;
  }
  Player[2] public players;
  uint8 tot;
  address owner;
  function OddsAndEvens() {
    owner = msg.sender;
  }
  function play(uint number) payable {
    if (msg.value != 1 ether) throw; // expect: deprecated
    players[tot] = Player(msg.sender, number); // expect: front-running
    tot++;
    if (tot==2) andTheWinnerIs();
  }
  function andTheWinnerIs() private {
    bool res ;
    uint n = players[0].number+players[1].number;
    if (n%2==0) {
      res = players[0].addr.send(1800 finney); // expect: unchecked-lowlevel
    }
    else {
      res = players[1].addr.send(1800 finney); // expect: unchecked-lowlevel
    }
    delete players;
    tot=0;
  }
  function getProfit() {
    if(msg.sender!=owner) throw; // expect: deprecated
    bool res = msg.sender.send(this.balance); // expect: unchecked-lowlevel
  }
}
contract ERC20 {
  mapping (address => uint256) private _balances;
  mapping (address => mapping (address => uint256)) private _allowed;
  function approve(address spender, uint256 value) public returns (bool) {
    require(spender != address(0));
    _allowed[msg.sender][spender] = value; // expect: erc20-approve-race
    return true;
  }
  function transferFrom(address from, address to, uint256 value) public returns (bool) { // expect: short-address
    require(value <= _balances[from]);
    require(value <= _allowed[from][msg.sender]);
    require(to != address(0));
    _balances[from] = _balances[from] - value;
    _balances[to] = _balances[to] + value; // expect: integer-overflow
    _allowed[from][msg.sender] = _allowed[from][msg.sender] - value;
    return true;
  }
}
