"""Limits and hostile-ish calls that are easiest to make from a stock client (grpcio) against
`kgrec interop-server`. Byte-level hostile input is tested in Swift (Tests/GRPCHTTP2Tests)."""
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

TEST_SERVICE = "/grpc.testing.TestService/"


def raw_unary(channel, method):
    return channel.unary_unary(TEST_SERVICE + method, request_serializer=None, response_deserializer=None)


def test_oversized_request_is_resource_exhausted(channel, pb):
    # Default server limit: 4 MiB per received message.
    request = pb.messages_pb2.SimpleRequest(payload=pb.messages_pb2.Payload(body=b"\0" * (5 << 20)))
    with pytest.raises(grpc.RpcError) as e:
        pb.test_pb2_grpc.TestServiceStub(channel).UnaryCall(request, timeout=20)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_oversized_response_is_resource_exhausted(channel, pb):
    request = pb.messages_pb2.SimpleRequest(response_size=5 << 20)
    with pytest.raises(grpc.RpcError) as e:
        pb.test_pb2_grpc.TestServiceStub(channel).UnaryCall(request, timeout=20)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_server_still_serves_after_limit_errors(channel, pb):
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    with pytest.raises(grpc.RpcError):
        stub.UnaryCall(pb.messages_pb2.SimpleRequest(response_size=5 << 20), timeout=20)
    assert len(stub.UnaryCall(pb.messages_pb2.SimpleRequest(response_size=10), timeout=5).payload.body) == 10


def test_invalid_protobuf_request_is_internal(channel):
    with pytest.raises(grpc.RpcError) as e:
        raw_unary(channel, "UnaryCall")(b"\x1a\x64\x12", timeout=5)  # payload claims 100 bytes
    assert e.value.code() == grpc.StatusCode.INTERNAL


def test_invalid_utf8_in_string_field_is_internal(channel):
    # response_status { message: "\xff" }
    with pytest.raises(grpc.RpcError) as e:
        raw_unary(channel, "UnaryCall")(b"\x3a\x03\x12\x01\xff", timeout=5)
    assert e.value.code() == grpc.StatusCode.INTERNAL


def test_compressed_request_is_refused(channel, pb):
    request = pb.messages_pb2.SimpleRequest(response_size=1, payload=pb.messages_pb2.Payload(body=b"\0" * 1000))
    with pytest.raises(grpc.RpcError) as e:
        pb.test_pb2_grpc.TestServiceStub(channel).UnaryCall(request, compression=grpc.Compression.Gzip, timeout=5)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_binary_metadata_round_trips_every_byte_value(channel, pb):
    value = bytes(range(256))
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    _, call = stub.UnaryCall.with_call(pb.messages_pb2.SimpleRequest(),
                                       metadata=(("x-grpc-test-echo-trailing-bin", value),), timeout=5)
    assert ("x-grpc-test-echo-trailing-bin", value) in list(call.trailing_metadata())


def test_status_codes_round_trip(channel, pb):
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    for code in grpc.StatusCode:
        if code == grpc.StatusCode.OK:
            continue
        n = code.value[0]
        request = pb.messages_pb2.SimpleRequest(response_status=pb.messages_pb2.EchoStatus(code=n, message=f"code {n} 100%"))
        with pytest.raises(grpc.RpcError) as e:
            stub.UnaryCall(request, timeout=5)
        assert (e.value.code(), e.value.details()) == (code, f"code {n} 100%")


def test_many_concurrent_calls_on_one_connection(channel, pb):
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    request = pb.messages_pb2.SimpleRequest(response_size=1024, payload=pb.messages_pb2.Payload(body=b"\0" * 1024))
    futures = [stub.UnaryCall.future(request, timeout=30) for _ in range(300)]
    assert all(len(f.result().payload.body) == 1024 for f in futures)


def test_many_concurrent_streams(channel, pb):
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    request = pb.messages_pb2.StreamingOutputCallRequest(
        response_parameters=[pb.messages_pb2.ResponseParameters(size=100)] * 20)

    def one(_):
        return sum(len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=30))

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(40))) == [2000] * 40


def test_echoed_trailer_arrives_once_with_an_error_status(channel, pb):
    stub = pb.test_pb2_grpc.TestServiceStub(channel)
    request = pb.messages_pb2.SimpleRequest(response_status=pb.messages_pb2.EchoStatus(code=9, message="nope"))
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(request, metadata=(("x-grpc-test-echo-trailing-bin", b"\x01\x02"),), timeout=5)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    echoed = [v for k, v in e.value.trailing_metadata() if k == "x-grpc-test-echo-trailing-bin"]
    assert echoed == [b"\x01\x02"]


def test_oversized_request_metadata_is_refused_and_server_keeps_serving(swift_server, pb):
    """Default header list limit 16 KiB: a 20 KB value gets RESOURCE_EXHAUSTED on its stream; a
    100 KB one is beyond HPACK limits and costs the connection (GOAWAY), not the server."""
    with grpc.insecure_channel(swift_server) as ch:
        stub = pb.test_pb2_grpc.TestServiceStub(ch)
        assert stub.EmptyCall(pb.empty_pb2.Empty(), metadata=(("x-big", "a" * 8000),), timeout=5) is not None
        with pytest.raises(grpc.RpcError) as e:
            stub.EmptyCall(pb.empty_pb2.Empty(), metadata=(("x-big", "a" * 20000),), timeout=5)
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        with pytest.raises(grpc.RpcError) as e:
            stub.EmptyCall(pb.empty_pb2.Empty(), metadata=(("x-big", "a" * 100000),), timeout=5)
        assert e.value.code() != grpc.StatusCode.OK
    with grpc.insecure_channel(swift_server) as ch:
        assert pb.test_pb2_grpc.TestServiceStub(ch).EmptyCall(pb.empty_pb2.Empty(), timeout=5) is not None
