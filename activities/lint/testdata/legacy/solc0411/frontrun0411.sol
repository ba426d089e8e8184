pragma solidity 0.4.11;
// The legacy AST of solc 0.4.11 (no compact AST yet) through the
// front-running and short-address detectors.
contract FindThisHash {
    bytes32 constant public hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;
    function solve(string solution) {
        if (sha3(solution) != hash) throw; // expect: deprecated front-running
        if (!msg.sender.send(1000 ether)) throw; // expect: deprecated
    }
}
contract Reward {
    address owner;
    uint public reward;
    function Reward() { owner = msg.sender; }
    function setReward(uint r) { if (msg.sender != owner) throw; reward = r; } // expect: deprecated
    function claim() { msg.sender.transfer(reward); } // expect: tx-order-dependence unprotected-ether-withdrawal
}
contract MyToken {
    mapping (address => uint) balances;
    mapping (address => mapping (address => uint)) allowed;
    function sendCoin(address to, uint amount) returns(bool sufficient) { // expect: short-address
        if (balances[msg.sender] < amount) return false;
        balances[msg.sender] -= amount;
        balances[to] += amount; // expect: integer-overflow
        return true;
    }
    function approve(address spender, uint value) returns (bool) {
        allowed[msg.sender][spender] = value; // expect: erc20-approve-race
        return true;
    }
}
