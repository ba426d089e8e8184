pragma solidity ^0.4.24;

// The caller picks how many slots to append, one length bump at a time.
contract NumberStore {
    uint count = 0;
    uint[] values;

    function store(uint value, uint times) public {
        for (uint i = 0; i < times; i++) { // expect: dos-unbounded-loop
            if (count == values.length) {
                values.length += 1;
            }
            values[count++] = value;
        }
    }

    function wipe() public {
        require(count > 1000);
        values = new uint[](0); // expect: dos-unbounded-loop
        count = 0;
    }
}

// The array only empties once it is huge; then every payout walks it.
contract CreditorList {
    address[] creditors;
    mapping(address => uint) owed;

    function lend() public payable {
        creditors.push(msg.sender);
        owed[msg.sender] += msg.value;
    }

    function reset() public {
        if (creditors.length > 1500) { // expect: dos-unbounded-loop
            creditors.length = 0;
        }
    }

    function repayAll() public {
        for (uint i = 0; i < creditors.length; i++) { // expect: dos-unbounded-loop
            require(creditors[i].send(owed[creditors[i]])); // expect: calls-loop
        }
    }

    function total() public returns (uint sum) {
        for (uint i = 0; i < creditors.length; i++) {
            sum += owed[creditors[i]];
        }
    }
}

// Fixed: bounded growth and paged payouts.
contract CreditorListPaged {
    uint constant MAX_CREDITORS = 500;
    address[] creditors;
    mapping(address => uint) owed;
    uint next;

    function lend() public payable {
        require(creditors.length < MAX_CREDITORS);
        creditors.push(msg.sender);
        owed[msg.sender] += msg.value;
    }

    function reset() public {
        if (creditors.length >= MAX_CREDITORS) {
            creditors.length = 0;
        }
    }

    function withdraw() public {
        uint amount = owed[msg.sender];
        owed[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}

contract QueuePaged {
    address[] queue;
    mapping(address => uint) credit;
    uint next;

    function join() public {
        queue.push(msg.sender);
    }

    function creditBatch(uint count) public {
        for (uint i = next; i < queue.length && i < next + count; i++) {
            credit[queue[i]] += 1;
        }
        next += count; // expect: integer-overflow:high
    }
}
