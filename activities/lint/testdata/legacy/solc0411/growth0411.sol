pragma solidity 0.4.11;

// The legacy AST: a creditor list anyone grows, walked and cleared whole.
contract Creditors0411 {
    address[] creditors;
    mapping(address => uint) owed;
    uint256 private salt = block.timestamp; // expect: weak-prng:high
    address public lucky;

    function lend() payable {
        creditors.push(msg.sender);
        owed[msg.sender] += msg.value;
    }

    function withdraw() {
        uint amount = owed[msg.sender];
        owed[msg.sender] = 0;
        msg.sender.transfer(amount);
    }

    function draw() {
        lucky = creditors[salt % creditors.length]; // expect: weak-prng:high
    }

    function repayAll() {
        for (uint i = 0; i < creditors.length; i++) { // expect: dos-unbounded-loop
            owed[creditors[i]] = 0;
        }
        creditors.length = 0; // expect: dos-unbounded-loop
    }

    function repayBatch(uint start, uint count) {
        for (uint i = start; i < creditors.length && i < start + count; i++) {
            owed[creditors[i]] = 0;
        }
    }
}
