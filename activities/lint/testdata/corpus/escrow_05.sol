pragma solidity ^0.5.0;

// SWC-104. A three-party escrow whose arbiter refunds the buyer with a
// low-level call and never looks at its result.
contract Escrow {
    enum State { AwaitingPayment, Funded, Released, Refunded }

    address payable public buyer;
    address payable public seller;
    address public arbiter;
    State public state;

    constructor(address payable _seller, address _arbiter) public {
        buyer = msg.sender;
        seller = _seller;
        arbiter = _arbiter;
    }

    function fund() external payable {
        require(msg.sender == buyer && state == State.AwaitingPayment);
        state = State.Funded;
    }

    function release() external {
        require(msg.sender == arbiter || msg.sender == buyer);
        require(state == State.Funded);
        state = State.Released;
        seller.transfer(address(this).balance);
    }

    function refund() external {
        require(msg.sender == arbiter);
        require(state == State.Funded);
        state = State.Refunded;
        buyer.call.value(address(this).balance)(""); // @expect unchecked-lowlevel
    }
}

contract EscrowFixed {
    enum State { AwaitingPayment, Funded, Released, Refunded }

    address payable public buyer;
    address payable public seller;
    address public arbiter;
    State public state;

    constructor(address payable _seller, address _arbiter) public {
        buyer = msg.sender;
        seller = _seller;
        arbiter = _arbiter;
    }

    function fund() external payable {
        require(msg.sender == buyer && state == State.AwaitingPayment);
        state = State.Funded;
    }

    function release() external {
        require(msg.sender == arbiter || msg.sender == buyer);
        require(state == State.Funded);
        state = State.Released;
        seller.transfer(address(this).balance);
    }

    // The arbiter may only refund; the buyer, paid, cannot re-enter past
    // the arbiter check.
    function refund() external {
        require(msg.sender == arbiter);
        require(state == State.Funded);
        (bool ok, ) = buyer.call.value(address(this).balance)("");
        require(ok, "refund failed");
        state = State.Refunded;
    }
}
