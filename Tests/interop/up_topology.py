"""Reading a `kgrec up` topology from outside: its `--endpoints-file` and its services' health.
Shared by the restart-loop test and Benchmarks/fault_soak.py."""
import json
from pathlib import Path

import grpc


def endpoints(path):
    """The endpoints file as {service name: {"grpc", "pid", "log", ...}}."""
    return {s["name"]: s for s in json.loads(Path(path).read_text())["services"]}


def serving(stubs, target, service, timeout=2):
    """Whether `service` at `target` answers grpc.health.v1 SERVING (False on any RPC error)."""
    try:
        with grpc.insecure_channel(target) as ch:
            r = stubs.health_pb2_grpc.HealthStub(ch).Check(stubs.health_pb2.HealthCheckRequest(service=service),
                                                           timeout=timeout)
            return r.status == stubs.health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False
