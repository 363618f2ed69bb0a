"""TestService features beyond the named client cases (HalfDuplexCall, interval_us, response_type
checks, deadlines on server streams), from Python grpcio against `kgrec interop-server`."""
import grpc
import pytest


@pytest.fixture
def stub(channel, pb):
    return pb.test_pb2_grpc.TestServiceStub(channel)


def test_half_duplex_answers_every_request_after_half_close(stub, pb):
    m = pb.messages_pb2
    requests = [m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=n)]) for n in (3, 1, 4)]
    assert [len(r.payload.body) for r in stub.HalfDuplexCall(iter(requests), timeout=10)] == [3, 1, 4]


def test_interval_us_delays_but_delivers_every_response(stub, pb):
    m = pb.messages_pb2
    request = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=2, interval_us=20_000)] * 3)
    assert [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=10)] == [2, 2, 2]


def test_deadline_ends_a_slow_server_stream(stub, pb):
    m = pb.messages_pb2
    request = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=1, interval_us=2_000_000)])
    with pytest.raises(grpc.RpcError) as e:
        list(stub.StreamingOutputCall(request, timeout=0.2))
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_unknown_response_type_is_invalid_argument(stub, pb):
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(pb.messages_pb2.SimpleRequest(response_type=7, response_size=1), timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_expect_compressed_probe_is_invalid_argument(stub, pb):
    request = pb.messages_pb2.SimpleRequest(expect_compressed=pb.messages_pb2.BoolValue(value=True), response_size=1)
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(request, timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_status_in_a_later_stream_message_ends_the_stream_after_earlier_answers(stub, pb):
    m = pb.messages_pb2
    requests = [m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=5)]),
                m.StreamingOutputCallRequest(response_status=m.EchoStatus(code=10, message="aborted here")),
                m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=6)])]
    call = stub.FullDuplexCall(iter(requests), timeout=10)
    sizes = []
    with pytest.raises(grpc.RpcError) as e:
        for r in call:
            sizes.append(len(r.payload.body))
    assert sizes == [5]
    assert (e.value.code(), e.value.details()) == (grpc.StatusCode.ABORTED, "aborted here")
