"""The gRPC interop client cases (grpc/grpc doc/interop-test-descriptions.md) with Python grpcio,
run against our Swift server. Each case raises AssertionError with the reason when it fails."""
import grpc

import protos

SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"


def _zeros(n):
    return b"\0" * n


class Cases:
    def __init__(self, channel):
        self.pb = protos.load()
        self.m = self.pb.messages_pb2
        self.stub = self.pb.test_pb2_grpc.TestServiceStub(channel)
        self.channel = channel

    def empty_unary(self):
        response = self.stub.EmptyCall(self.pb.empty_pb2.Empty(), timeout=10)
        assert response is not None and response.ByteSize() == 0

    def large_unary(self):
        r = self.stub.UnaryCall(self.m.SimpleRequest(response_size=314159,
                                                     payload=self.m.Payload(body=_zeros(271828))), timeout=10)
        assert r.payload.body == _zeros(314159), f"payload of {len(r.payload.body)} bytes"

    def client_streaming(self):
        sizes = [27182, 8, 1828, 45904]
        requests = (self.m.StreamingInputCallRequest(payload=self.m.Payload(body=_zeros(n))) for n in sizes)
        r = self.stub.StreamingInputCall(requests, timeout=10)
        assert r.aggregated_payload_size == 74922, r.aggregated_payload_size

    def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        request = self.m.StreamingOutputCallRequest(
            response_parameters=[self.m.ResponseParameters(size=n) for n in sizes])
        got = [len(r.payload.body) for r in self.stub.StreamingOutputCall(request, timeout=10)]
        assert got == sizes, got

    def ping_pong(self):
        sizes = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
        import queue
        outbox = queue.Queue()

        def requests():
            while True:
                item = outbox.get()
                if item is None:
                    return
                yield item

        call = self.stub.FullDuplexCall(requests(), timeout=10)
        got = []
        for response_size, body in sizes:
            outbox.put(self.m.StreamingOutputCallRequest(
                response_parameters=[self.m.ResponseParameters(size=response_size)],
                payload=self.m.Payload(body=_zeros(body))))
            got.append(len(next(call).payload.body))
        outbox.put(None)
        rest = list(call)
        assert got == [s for s, _ in sizes] and not rest, (got, len(rest))
        assert call.code() == grpc.StatusCode.OK

    def empty_stream(self):
        responses = list(self.stub.FullDuplexCall(iter([]), timeout=10))
        assert responses == [], f"{len(responses)} responses"

    def timeout_on_sleeping_server(self):
        import queue
        outbox = queue.Queue()
        outbox.put(self.m.StreamingOutputCallRequest(payload=self.m.Payload(body=_zeros(27182))))

        def requests():
            yield outbox.get()
            outbox.get()  # never arrives: keep the stream open

        call = self.stub.FullDuplexCall(requests(), timeout=0.001)
        try:
            list(call)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e.code()
        else:
            raise AssertionError("call succeeded")
        finally:
            outbox.put(None)

    def cancel_after_begin(self):
        import queue
        never = queue.Queue()
        call = self.stub.StreamingInputCall.future(iter(never.get, None), timeout=10)
        call.cancel()
        try:
            call.result()
            raise AssertionError("call succeeded after cancel")
        except grpc.FutureCancelledError:
            pass
        finally:
            never.put(None)
        assert call.cancelled()
        assert call.code() == grpc.StatusCode.CANCELLED, call.code()

    def cancel_after_first_response(self):
        import queue
        outbox = queue.Queue()
        outbox.put(self.m.StreamingOutputCallRequest(
            response_parameters=[self.m.ResponseParameters(size=31415)],
            payload=self.m.Payload(body=_zeros(27182))))
        call = self.stub.FullDuplexCall(iter(outbox.get, None), timeout=10)
        first = next(call)
        assert len(first.payload.body) == 31415
        call.cancel()
        try:
            next(call)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.CANCELLED, e.code()
        else:
            raise AssertionError("stream went on after cancel")
        finally:
            outbox.put(None)

    def _status_case(self, message):
        status = self.m.EchoStatus(code=2, message=message)
        try:
            self.stub.UnaryCall(self.m.SimpleRequest(response_status=status), timeout=10)
            raise AssertionError("UnaryCall succeeded")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNKNOWN, e.code()
            assert e.details() == message, repr(e.details())
        call = self.stub.FullDuplexCall(iter([self.m.StreamingOutputCallRequest(response_status=status)]), timeout=10)
        try:
            list(call)
            raise AssertionError("FullDuplexCall succeeded")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNKNOWN, e.code()
            assert e.details() == message, repr(e.details())

    def status_code_and_message(self):
        self._status_case("test status message")

    def special_status_message(self):
        self._status_case(SPECIAL_MESSAGE)

    def custom_metadata(self):
        metadata = (("x-grpc-test-echo-initial", "test_initial_metadata_value"),
                    ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
        request = self.m.SimpleRequest(response_size=314159, payload=self.m.Payload(body=_zeros(271828)))
        response, call = self.stub.UnaryCall.with_call(request, metadata=metadata, timeout=10)
        self._check_echo(call.initial_metadata(), call.trailing_metadata())
        assert len(response.payload.body) == 314159

        streaming = self.m.StreamingOutputCallRequest(
            response_parameters=[self.m.ResponseParameters(size=314159)], payload=self.m.Payload(body=_zeros(271828)))
        call = self.stub.FullDuplexCall(iter([streaming]), metadata=metadata, timeout=10)
        sizes = [len(r.payload.body) for r in call]
        assert sizes == [314159], sizes
        self._check_echo(call.initial_metadata(), call.trailing_metadata())

    @staticmethod
    def _check_echo(initial, trailing):
        assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in list(initial), initial
        assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in list(trailing), trailing

    def unimplemented_method(self):
        try:
            self.stub.UnimplementedCall(self.pb.empty_pb2.Empty(), timeout=10)
            raise AssertionError("call succeeded")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()

    def unimplemented_service(self):
        stub = self.pb.test_pb2_grpc.UnimplementedServiceStub(self.channel)
        try:
            stub.UnimplementedCall(self.pb.empty_pb2.Empty(), timeout=10)
            raise AssertionError("call succeeded")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()


CASES = ["empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong",
         "empty_stream", "timeout_on_sleeping_server", "cancel_after_begin",
         "cancel_after_first_response", "status_code_and_message", "special_status_message",
         "custom_metadata", "unimplemented_method", "unimplemented_service"]
