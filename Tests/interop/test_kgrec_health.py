"""grpc.health.v1.Health on `kgrec interop-server`, driven by Python grpcio."""
import grpc
import pytest


@pytest.fixture
def health(channel, pb):
    return pb.health_pb2_grpc.HealthStub(channel)


def test_check_overall_and_test_service_serving(health, pb):
    serving = pb.health_pb2.HealthCheckResponse.SERVING
    assert health.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=5).status == serving
    assert health.Check(pb.health_pb2.HealthCheckRequest(service="grpc.testing.TestService"), timeout=5).status == serving


def test_check_unknown_service_is_not_found(health, pb):
    with pytest.raises(grpc.RpcError) as e:
        health.Check(pb.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_watch_sends_current_status_and_stays_open(health, pb):
    call = health.Watch(pb.health_pb2.HealthCheckRequest(service=""), timeout=30)
    first = next(call)
    assert first.status == pb.health_pb2.HealthCheckResponse.SERVING
    call.cancel()
    with pytest.raises(grpc.RpcError) as e:
        next(call)
    assert e.value.code() == grpc.StatusCode.CANCELLED


def test_watch_unknown_service_says_service_unknown_without_ending(health, pb):
    call = health.Watch(pb.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=1)
    assert next(call).status == pb.health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
    # The call stays open: the next thing that happens is our own deadline.
    with pytest.raises(grpc.RpcError) as e:
        next(call)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_sigterm_turns_health_not_serving_ends_watch_and_exits_cleanly(kgrec, pb):
    """SIGTERM: an open Watch hears NOT_SERVING and ends OK, then the server drains and exits 0."""
    import signal
    import subprocess

    from conftest import read_listen_line, stop

    proc = subprocess.Popen([kgrec, "interop-server", "--host", "127.0.0.1", "--port", "0", "--grace", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        address = read_listen_line(proc)
        with grpc.insecure_channel(address) as ch:
            health = pb.health_pb2_grpc.HealthStub(ch)
            call = health.Watch(pb.health_pb2.HealthCheckRequest(service=""), timeout=20)
            assert next(call).status == pb.health_pb2.HealthCheckResponse.SERVING
            proc.send_signal(signal.SIGTERM)
            assert [r.status for r in call] == [pb.health_pb2.HealthCheckResponse.NOT_SERVING]
            assert call.code() == grpc.StatusCode.OK
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)
