"""grpc.testing.TestService and grpc.health.v1.Health implemented with Python grpcio, per the
gRPC interop spec (the peer our Swift interop client is tested against, and a benchmark target).

Run standalone: python python_test_server.py --port 0   (prints "listening on 127.0.0.1:PORT").
`broken=True` makes a deliberately wrong server (wrong sizes, no echoes, OK instead of the
echoed status), used to prove the Swift client's cases can fail.
"""
import argparse
import sys
import threading
import time
from concurrent import futures

import grpc

import protos

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def _code(n):
    for c in grpc.StatusCode:
        if c.value[0] == n:
            return c
    return grpc.StatusCode.UNKNOWN


class TestService:
    def __init__(self, broken=False):
        self.pb = protos.load()
        self.broken = broken

    def _echo_metadata(self, context):
        if self.broken:
            return
        md = dict(context.invocation_metadata())
        if ECHO_INITIAL in md:
            context.send_initial_metadata([(ECHO_INITIAL, md[ECHO_INITIAL])])
        if ECHO_TRAILING in md:
            context.set_trailing_metadata([(ECHO_TRAILING, md[ECHO_TRAILING])])

    def _payload(self, size):
        return self.pb.messages_pb2.Payload(body=b"\0" * (size + (1 if self.broken else 0)))

    def _echo_status(self, request, context):
        if request.HasField("response_status") and request.response_status.code != 0 and not self.broken:
            context.abort(_code(request.response_status.code), request.response_status.message)

    def EmptyCall(self, request, context):
        return self.pb.empty_pb2.Empty()

    def UnaryCall(self, request, context):
        self._echo_metadata(context)
        if request.HasField("expect_compressed") and request.expect_compressed.value:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "request was not compressed")
        self._echo_status(request, context)
        return self.pb.messages_pb2.SimpleResponse(payload=self._payload(request.response_size))

    def StreamingOutputCall(self, request, context):
        self._echo_metadata(context)
        yield from self._respond(request, context)

    def StreamingInputCall(self, request_iterator, context):
        self._echo_metadata(context)
        total = sum(len(r.payload.body) for r in request_iterator)
        return self.pb.messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        self._echo_metadata(context)
        for request in request_iterator:
            yield from self._respond(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        self._echo_metadata(context)
        for request in list(request_iterator):
            yield from self._respond(request, context)

    def _respond(self, request, context):
        self._echo_status(request, context)
        for p in request.response_parameters:
            if p.interval_us:
                time.sleep(p.interval_us / 1e6)
            yield self.pb.messages_pb2.StreamingOutputCallResponse(payload=self._payload(p.size))


class HealthService:
    def __init__(self):
        self.pb = protos.load()
        self.statuses = {"": self.pb.health_pb2.HealthCheckResponse.SERVING}
        self.changed = threading.Condition()

    def set(self, service, status):
        with self.changed:
            self.statuses[service] = status
            self.changed.notify_all()

    def Check(self, request, context):
        if request.service not in self.statuses:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return self.pb.health_pb2.HealthCheckResponse(status=self.statuses[request.service])

    def Watch(self, request, context):
        unknown = self.pb.health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        last = None
        while context.is_active():
            with self.changed:
                status = self.statuses.get(request.service, unknown)
                if status == last:
                    self.changed.wait(timeout=0.2)
                    continue
            last = status
            yield self.pb.health_pb2.HealthCheckResponse(status=status)


def start(port=0, broken=False, workers=16):
    """Starts a server on 127.0.0.1; returns (server, port)."""
    pb = protos.load()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    # The generated base classes answer UNIMPLEMENTED for what we leave out (UnimplementedCall).
    servicer = type("PyTestService", (TestService, pb.test_pb2_grpc.TestServiceServicer), {})(broken)
    health = type("PyHealth", (HealthService, pb.health_pb2_grpc.HealthServicer), {})()
    pb.test_pb2_grpc.add_TestServiceServicer_to_server(servicer, server)
    pb.health_pb2_grpc.add_HealthServicer_to_server(health, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, bound


async def serve_aio(port):
    """grpc.aio (asyncio) server with the unary methods only: the fastest grpcio configuration,
    used by Benchmarks/rpc.py --grpcio-aio."""
    pb = protos.load()
    sync = TestService()

    class AioTestService(pb.test_pb2_grpc.TestServiceServicer):
        async def EmptyCall(self, request, context):
            return pb.empty_pb2.Empty()

        async def UnaryCall(self, request, context):
            return pb.messages_pb2.SimpleResponse(payload=sync._payload(request.response_size))

    server = grpc.aio.server()
    pb.test_pb2_grpc.add_TestServiceServicer_to_server(AioTestService(), server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"listening on 127.0.0.1:{bound}", flush=True)
    await server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--aio", action="store_true", help="asyncio server, unary methods only")
    args = parser.parse_args()
    if args.aio:
        import asyncio
        import signal as sig
        sig.signal(sig.SIGTERM, lambda *_: sys.exit(0))
        try:
            asyncio.run(serve_aio(args.port))
        except (KeyboardInterrupt, SystemExit):
            pass
        return 0
    server, port = start(args.port, workers=args.workers)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        pass
    server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
